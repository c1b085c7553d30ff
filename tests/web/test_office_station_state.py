"""The Today page shows each station's state as its sync requests told the server: a real
`plateau sync --once` whose kiosk saw the reader unplugged, and a station whose clock is 2 minutes
ahead (the sync loops with their clock moved) with two passages waiting. In headless chromium,
in French and in English, checked by axe-core at both sizes."""

from __future__ import annotations

import re
import time

import pytest

from plateau import __version__
from plateau.db import kiosk as kq
from plateau.db.engine import open_replica
from plateau.sync.loops import SyncLoops, SyncOptions
from plateau.sync.telemetry_source import TelemetrySource
from tests.integration.sync.harness import Station, add_station
from tests.support.browser import accessible_at_both_sizes, by_css, wait
from tests.web.test_office_browser import SCHOOL_DAY, sign_in, ticket_pupils

pytestmark = pytest.mark.timeout(300)
AHEAD = 125.5   # seconds (the half second absorbs the loopback's latency)


def cell(driver, station: str, field: str) -> str:
    return by_css(driver, f"tr[data-station='{station}'] [data-field={field}]").text


def test_today_shows_each_station_s_reader_version_queue_and_clock(office, browser, tmp_path):
    # self-1: its kiosk saw the reader unplugged; a real `plateau sync --once` tells the server
    one = Station(tmp_path / "self-1", "self-1", office.url, add_station(office.db_url, "self-1"), wait_seconds=1)
    engine = open_replica(one.db)
    kq.record_reader_state(engine, "unplugged", "/dev/ttyUSB0")
    engine.dispose()
    one.sync_once()
    # self-2: its clock is ahead; two passages recorded and not yet pushed
    two = Station(tmp_path / "self-2", "self-2", office.url, add_station(office.db_url, "self-2"), wait_seconds=1)
    engine = open_replica(two.db)
    try:
        loops = SyncLoops(engine, SyncOptions(url=office.url, token=two.token, timeout=5,
                                              clock=lambda: time.time() + AHEAD))
        loops.telemetry = TelemetrySource(engine, refresh_seconds=0)   # every request reads the queues
        client = loops.client()
        loops.pull_all(client)
        for pupil in ticket_pupils(office.school)[:2]:
            done = two.passage(office.school.cards[pupil], f"{SCHOOL_DAY}T12:03:00")
            assert done.returncode in (0, 1), done.stdout + done.stderr
        loops.pull_all(client)   # a pull only: the passages stay waiting
        client.close()
    finally:
        engine.dispose()

    sign_in(browser, office, "cuisine")
    wait(browser, lambda d: cell(d, "self-2", "waiting") == "2", timeout=20)
    skew = cell(browser, "self-2", "skew")
    assert re.fullmatch(r"horloge décalée de 2 min \d+ s \(en avance\)", skew), skew
    assert by_css(browser, "tr[data-station='self-2'] [data-field=skew] .badge.bad")   # in red
    assert cell(browser, "self-2", "reader") == "inconnu"   # no kiosk ever ran there
    assert cell(browser, "self-1", "reader") == "débranché /dev/ttyUSB0"
    assert by_css(browser, "tr[data-station='self-1'] [data-field=reader] .badge.bad")   # in red
    assert cell(browser, "self-1", "version") == __version__
    assert cell(browser, "self-1", "skew").startswith("à l'heure")
    assert (cell(browser, "self-1", "waiting"), cell(browser, "self-1", "parked")) == ("0", "0")
    assert "en ligne" in by_css(browser, "tr[data-station='self-1']").text
    accessible_at_both_sizes(browser, "today with stations")
    browser.get(office.url + "/office/?lang=en")
    assert re.fullmatch(r"clock off by 2 min \d+ s \(ahead\)", cell(browser, "self-2", "skew"))
    assert cell(browser, "self-1", "reader") == "unplugged /dev/ttyUSB0"
    accessible_at_both_sizes(browser, "today with stations in English")
    browser.get(office.url + "/office/?lang=fr")
    # the same state in `plateau admin station list`
    from tests.support.server import admin
    from tests.web.conftest import UAI

    listed = {line.split("\t")[0]: line for line in admin(office.db_url, "station", "list", UAI).splitlines()}
    assert f"version {__version__}" in listed["self-1"] and "reader unplugged (/dev/ttyUSB0)" in listed["self-1"]
    assert "waiting 0 parked 0" in listed["self-1"] and "last contact never" not in listed["self-1"]
    assert "waiting 2 parked 0" in listed["self-2"] and re.search(r"clock \+12\d s", listed["self-2"]), listed
