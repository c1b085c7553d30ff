"""The station's clock, checked before anything is dated with it."""

from __future__ import annotations

from datetime import datetime, timezone

from plateau import BUILD_DATE


class ClockError(RuntimeError):
    """The station's clock is obviously wrong: passages would be logged on the wrong day."""


def check_clock(at: datetime) -> None:
    """Refuse an instant before this software was built (a kiosk booted without NTP reads 1970)."""
    if at.astimezone(timezone.utc).date().isoformat() < BUILD_DATE:
        raise ClockError(f"the station clock reads {at.isoformat()}, before this software was built "
                         f"({BUILD_DATE}): set the clock (NTP) before recording passages")
