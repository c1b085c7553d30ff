"""The stations' telemetry headers: what the server reads of them (hostile values ignored, never
an error), when it writes them, and how the office words a clock skew."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from plateau.server.station_telemetry import TelemetryRecorder
from plateau.server.web.office.station_state import duration_words, skew_words
from plateau.sync import telemetry as tm

GOOD = {tm.VERSION: "0.1.0", tm.CLOCK: "1764756125.250", tm.READER: "unplugged; /dev/ttyUSB0",
        tm.WAITING: "12", tm.PARKED: "0"}


def test_a_station_s_headers_are_read_whole():
    seen = tm.parse(GOOD)
    assert (seen.version, seen.clock, seen.reader, seen.reader_detail, seen.waiting, seen.parked) == \
        ("0.1.0", 1764756125.25, "unplugged", "/dev/ttyUSB0", 12, 0)
    assert seen.problems == () and not seen.empty


def test_no_headers_is_no_telemetry_and_no_problem():
    seen = tm.parse({})
    assert seen.empty and seen.problems == ()


def test_the_clock_may_be_an_instant_with_its_offset():
    assert tm.parse({tm.CLOCK: "2025-12-03T11:00:00+01:00"}).clock == \
        datetime(2025, 12, 3, 10, tzinfo=timezone.utc).timestamp()


HOSTILE = [
    (tm.VERSION, "1.0 <script>alert(1)</script>"),
    (tm.VERSION, "9" * 41),
    (tm.VERSION, "../../etc/passwd"),
    (tm.CLOCK, "nan"),
    (tm.CLOCK, "inf"),
    (tm.CLOCK, "-5"),
    (tm.CLOCK, "1e30"),
    (tm.CLOCK, "99999999999999999999"),
    (tm.CLOCK, "2025-12-03T11:00:00"),          # no offset: which clock?
    (tm.CLOCK, "2025-13-45T99:00:00+01:00"),
    (tm.CLOCK, "1764756125.1234567"),
    (tm.READER, "on fire"),
    (tm.READER, ""),
    (tm.WAITING, "-1"),
    (tm.WAITING, "1" * 10),
    (tm.WAITING, "12.5"),
    (tm.WAITING, "0x10"),
    (tm.PARKED, "١٢"),                          # Arabic-Indic digits: int() would take them
    (tm.PARKED, "NaN"),
]


@pytest.mark.parametrize("name,value", HOSTILE, ids=[f"{n[18:].lower()}-{i}" for i, (n, _v) in enumerate(HOSTILE)])
def test_a_malformed_value_is_left_out_and_named_without_its_content(name, value):
    seen = tm.parse({**GOOD, name: value})
    assert len(seen.problems) == 1 and seen.problems[0].startswith(name)
    assert value not in seen.problems[0] or len(value) < 2
    key = {tm.VERSION: "version", tm.CLOCK: "clock", tm.READER: "reader", tm.WAITING: "waiting",
           tm.PARKED: "parked"}[name]
    assert getattr(seen, key) is None
    others = {k: v for k, v in GOOD.items() if k != name}
    assert tm.parse(others).problems == ()   # the rest was read as usual


def test_a_huge_header_is_not_even_parsed():
    seen = tm.parse({**GOOD, tm.READER: "error; " + "x" * 10_000})
    assert seen.reader is None and "more than 200" in seen.problems[0]


def test_the_reader_detail_is_printable_and_bounded():
    seen = tm.parse({tm.READER: "ERROR; permission refusée\x1b[31m " + "y" * 150})
    assert seen.reader == "error"
    assert len(seen.reader_detail) == tm.MAX_DETAIL and "\x1b" not in seen.reader_detail
    assert all(32 <= ord(c) < 127 for c in seen.reader_detail)


def test_the_station_words_its_reader_within_bounds():
    assert tm.reader_value("ready") == "ready"
    assert tm.reader_value("error", "no such device; é") == "error; no such device, ?"
    assert tm.reader_value("bogus", "") == "unknown"
    assert len(tm.reader_value("error", "z" * 500)) <= len("error; ") + tm.MAX_DETAIL


class Clocks:
    def __init__(self):
        self.wall, self.mono = 1_764_756_000.0, 100.0

    def recorder(self) -> TelemetryRecorder:
        return TelemetryRecorder(None, wall=lambda: self.wall, monotonic=lambda: self.mono,
                                 now=lambda: datetime.fromtimestamp(self.wall, timezone.utc))


def test_skew_is_the_station_clock_minus_the_server_s_on_receipt():
    clocks = Clocks()
    row = clocks.recorder().observe(1, "self-1", {**GOOD, tm.CLOCK: f"{clocks.wall + 125.4:.3f}"})
    assert row["clock_skew_seconds"] == 125
    assert row["contact_at"] == datetime.fromtimestamp(clocks.wall, timezone.utc)


def test_an_unchanged_station_is_written_at_most_every_15_seconds():
    clocks = Clocks()
    rec = clocks.recorder()
    headers = {**GOOD, tm.CLOCK: f"{clocks.wall:.3f}"}
    assert rec.observe(1, "self-1", headers) is not None
    written = 0
    for _ in range(60):   # a request every half second for 30 s, the waiting count moving
        clocks.wall += 0.5
        clocks.mono += 0.5
        headers = {**headers, tm.CLOCK: f"{clocks.wall + 2:.3f}", tm.WAITING: str(int(clocks.mono) % 7 + 1)}
        written += rec.observe(1, "self-1", headers) is not None
    assert written == 2
    assert rec.observe(1, "self-2", headers) is not None   # each station has its own guard


@pytest.mark.parametrize("change", [
    {tm.READER: "unplugged; /dev/ttyUSB1"}, {tm.READER: "ready"}, {tm.PARKED: "1"}, {tm.WAITING: "0"},
    {tm.VERSION: "0.2.0"}, {tm.CLOCK: "+7"},
], ids=["reader-detail", "reader", "parked", "nothing-waiting", "version", "skew-moved"])
def test_a_change_worth_showing_is_written_at_once(change):
    clocks = Clocks()
    rec = clocks.recorder()
    base = {**GOOD, tm.CLOCK: f"{clocks.wall:.3f}"}
    assert rec.observe(1, "self-1", base) is not None
    clocks.mono += 1
    clocks.wall += 1
    if change.get(tm.CLOCK) == "+7":
        change = {tm.CLOCK: f"{clocks.wall + 7:.3f}"}
    else:
        base = {**base, tm.CLOCK: f"{clocks.wall:.3f}"}
    assert rec.observe(1, "self-1", {**base, **change}) is not None


def test_hostile_headers_never_raise_and_are_logged_once_a_minute(caplog):
    clocks = Clocks()
    rec = clocks.recorder()
    for _ in range(5):
        row = rec.observe(1, "self-1", {tm.CLOCK: "nan", tm.WAITING: "-3", tm.VERSION: "\u202e"})
        clocks.mono += 1
    assert [r for r in caplog.records if "telemetry header ignored" in r.getMessage()].__len__() == 1
    assert row is None or row["clock_skew_seconds"] is None


@pytest.mark.parametrize("seconds,words", [
    (0, "0 s"), (45, "45 s"), (125, "2 min 5 s"), (-3600, "1 h"), (3725, "1 h 2 min"),
    (90061, "1 j 1 h"), (-1_764_756_000, "20\u202f425 j 10 h"),
], ids=["zero", "seconds", "minutes", "hour", "hour-min", "day", "1970"])
def test_a_duration_in_french_words(seconds, words):
    assert duration_words(seconds, "fr") == words


def test_a_skew_beyond_a_minute_is_flagged_in_words():
    assert skew_words(125, "fr") == ("horloge décalée de 2 min 5 s (en avance)", True)
    assert skew_words(-61, "en") == ("clock off by 1 min 1 s (behind)", True)
    assert skew_words(-3, "fr") == ("à l'heure (3 s)", False)
    assert skew_words(None, "fr") == ("—", False)
