"""The demo's kiosk clock as `plateau demo` writes it into the kiosk's station.toml."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from plateau.config import load_settings
from plateau.demo.clock import station_clock
from plateau.demo.lunch import opening, plan_lunch
from plateau.demo.stations import StationFiles

WALL = datetime(2026, 11, 22, 7, 0, tzinfo=timezone.utc)


def test_after_the_scripted_lunch_the_kiosk_clock_stays_inside_the_service(demo_school, tmp_path):
    """What `plateau demo` writes for the kiosk: once the last scripted badge is past, badges by
    hand are still inside the service for many real minutes (at x200 it was 20 s)."""
    events = plan_lunch(demo_school, 300)
    opens, closes = opening(demo_school)
    real_from = events[-1].at + timedelta(minutes=1)
    files = StationFiles("self-1", tmp_path / "self-1")
    files.write_config("0691234X", "http://127.0.0.1:1", "t", clock=(opens, 200.0, WALL, real_from))
    clock = station_clock(load_settings(files.config, env={}, validate=False).station)
    after_script = clock.wall_at(real_from)
    assert clock.at(after_script + timedelta(seconds=20)) < closes
    assert clock.at(after_script + timedelta(minutes=10)) < closes  # ten real minutes later, still lunch
