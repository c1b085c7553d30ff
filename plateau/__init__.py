"""Plateau: self-service canteen access control (station, sync daemon, central server)."""

__version__ = "0.1.0"

# A station whose clock reads earlier than this cannot be right: it refuses to record
# passages until the clock is set (kiosks without a battery-backed RTC boot in 1970).
BUILD_DATE = "2026-11-01"
