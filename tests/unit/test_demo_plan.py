"""The demo's pure parts: the shifted kiosk clock, the scripted lunch, the school's names."""

from __future__ import annotations

from collections import Counter
from dataclasses import replace
from datetime import datetime, timedelta, timezone

import pytest

from plateau.config import ConfigError, StationSection, StationSettings
from plateau.demo.clock import ShiftedClock, parse_start, station_clock, utc_now
from plateau.demo.lunch import KIOSK, SECOND, opening, plan_lunch

T0 = datetime(2026, 11, 23, 11, 13, tzinfo=timezone(timedelta(hours=1)))
WALL = datetime(2026, 11, 22, 7, 0, tzinfo=timezone.utc)


def test_shifted_clock_reads_start_at_its_anchor_and_runs_speed_times_faster():
    now = {"t": WALL}
    clock = ShiftedClock(T0, 40.0, WALL + timedelta(seconds=6), wall=lambda: now["t"])
    assert clock() == T0 - timedelta(seconds=240)            # before its anchor: earlier, at the same speed
    now["t"] = WALL + timedelta(seconds=6 + 30)
    assert clock() == T0 + timedelta(minutes=20)
    assert clock.wall_at(T0 + timedelta(minutes=20)) == now["t"]


def test_the_clock_runs_at_real_time_once_the_script_is_over():
    now = {"t": WALL}
    real_from = T0 + timedelta(minutes=90)  # the scripted lunch's last badge is past
    clock = ShiftedClock(T0, 200.0, WALL, wall=lambda: now["t"], real_from=real_from)
    now["t"] = WALL + timedelta(seconds=27)               # 27 s at x200: 90 minutes of lunch
    assert clock() == real_from
    assert clock.wall_at(real_from) == now["t"]
    now["t"] += timedelta(seconds=20)                     # then 20 s later the clock moved 20 s, not 67 min
    assert clock() == real_from + timedelta(seconds=20)
    assert clock.wall_at(real_from + timedelta(seconds=20)) == now["t"]
    assert clock.wall_at(T0 + timedelta(minutes=45)) == WALL + timedelta(seconds=13.5)  # before: unchanged
    section = StationSection(id="s", site="x", clock_start=T0.isoformat(), clock_speed=200.0,
                             clock_anchor=WALL.isoformat(), clock_real_time_from=real_from.isoformat())
    assert station_clock(section).at(WALL + timedelta(seconds=47)) == real_from + timedelta(seconds=20)


@pytest.mark.parametrize("station, words", [
    ({"clock_start": T0.isoformat(), "clock_real_time_from": "after lunch"}, "clock_real_time_from: not an ISO"),
    ({"clock_start": T0.isoformat(), "clock_real_time_from": (T0 - timedelta(hours=1)).isoformat()},
     "must not be before clock_start"),
])
def test_bad_real_time_setting_stops_with_one_clear_line(station, words):
    settings = StationSettings(source="station.toml")
    settings = replace(settings, station=replace(settings.station, id="self-1", site="0691234X", **station))
    with pytest.raises(ConfigError, match=words):
        settings.validate()


def test_station_clock_is_the_system_clock_unless_clock_start_is_set():
    assert station_clock(StationSection(id="s", site="x")) is utc_now
    clock = station_clock(StationSection(id="s", site="x", clock_start=T0.isoformat(), clock_speed=2.0,
                                         clock_anchor=WALL.isoformat()))
    assert isinstance(clock, ShiftedClock) and clock.at(WALL + timedelta(seconds=1)) == T0 + timedelta(seconds=2)


@pytest.mark.parametrize("station, words", [
    ({"clock_start": "lundi midi"}, "not an ISO 8601 instant"),
    ({"clock_start": "2026-11-23T11:13"}, "UTC offset"),
    ({"clock_start": T0.isoformat(), "clock_anchor": "soon"}, "not an ISO 8601 instant"),
    ({"clock_speed": 0.0}, "clock_speed must be positive"),
])
def test_bad_clock_settings_stop_with_one_clear_line(station, words):
    settings = StationSettings(source="station.toml")
    settings = replace(settings, station=replace(settings.station, id="self-1", site="0691234X", **station))
    with pytest.raises(ConfigError, match=words):
        settings.validate()
    with pytest.raises(ValueError):
        parse_start("2026-11-23")


def test_the_lunch_peaks_about_15_minutes_after_opening_and_holds_every_scene(demo_school):
    events = plan_lunch(demo_school, 300)
    opens, closes = opening(demo_school)
    assert len(events) == 300 and all(opens <= e.at < closes for e in events)
    assert [e.at for e in events] == sorted(e.at for e in events)
    per_10_min = Counter(int((e.at - opens).total_seconds() // 600) for e in events)
    assert per_10_min.most_common(1)[0][0] in (1, 2)          # 11:25-11:45
    notes = Counter(e.note for e in events)
    assert notes["unknown card"] >= 2 and notes["forgotten badge (staff)"] >= 1 and notes["in opposition"] == 2
    assert notes["first try"] == notes["tries again"] == notes["tries at the other station"] == 1
    assert {e.station for e in events} == {KIOSK, SECOND}
    assert all(e.station == SECOND for e in events if e.action == "forgotten")
    regular = [e.person_id for e in events if not e.note]
    assert len(regular) == len(set(regular))                  # nobody eats twice by accident
    assert not set(regular) & set(demo_school.absent_today)
    assert plan_lunch(demo_school, 300) == events             # deterministic
    assert len(plan_lunch(demo_school, 12)) == 12


def test_compound_surnames_stay_whole(demo_school):
    names = {p["last_name"] for p in demo_school.persons.values()}
    assert names & {"DA SILVA", "LE GALL", "LE ROUX", "LE GOFF"}
    assert not names & {"DA", "LE", "SILVA", "GALL", "GOFF"}
