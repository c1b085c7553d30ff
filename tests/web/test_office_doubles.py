"""Double passages end to end: two real stations (replicas, `plateau pass`, `plateau sync --once`)
both offline serve the same pupil for the same lunch, then come back and push through the real
push route of a real `plateau server`. The office's Today page, the person's page and the daily
report (PDF and CSV) show exactly that one double; a pupil served at one station only, and a
second passage cancelled at the station, show none. The pages pass axe with the double shown."""

from __future__ import annotations

import json
import shutil
import subprocess
from datetime import datetime

import pytest

from plateau.reports.headcount import compute
from plateau.server.db import Database, open_database
from plateau.server.headcount_source import load_day
from tests.integration.sync.harness import Station, add_station
from tests.support.browser import accessible_at_both_sizes
from tests.web.test_office_browser import check, sign_in, ticket_pupils

pytestmark = pytest.mark.timeout(300)
SCHOOL_DAY = "2027-01-11"   # a Monday of term, lunch open at 12:03
UAI = "0691234X"


def _at(hhmmss: str) -> str:
    return f"{SCHOOL_DAY}T{hhmmss}"


def _served(st: Station, uid: str, at: str) -> str:
    """`plateau pass` at the station: the passage must be accepted; its id."""
    done = st.passage(uid, at)
    out = json.loads(done.stdout)
    assert out["accepted"] is True, out
    return out["passage_id"]


@pytest.fixture(scope="module")
def day(office, tmp_path_factory):
    """Both stations pull the site, then serve offline (no sync in between), then push."""
    st1, st2 = (Station(tmp_path_factory.mktemp(name) / name, name, office.url, add_station(office.db_url, name),
                        wait_seconds=1) for name in ("self-1", "self-2"))
    st1.sync_once()
    st2.sync_once()
    pupils = [p for p in ticket_pupils(office.school)
              if check(st1, office.school.cards[p], _at("12:00:00"))["accepted"]]
    twice, once, cancelled = pupils[:3]
    cards = office.school.cards
    _served(st1, cards[twice], _at("12:03:10"))
    _served(st2, cards[twice], _at("12:03:55"))      # self-2 does not know self-1 served them
    _served(st1, cards[once], _at("12:04:00"))
    _served(st1, cards[cancelled], _at("12:05:00"))
    mistaken = _served(st2, cards[cancelled], _at("12:05:20"))
    from plateau.db.engine import open_replica
    from plateau.station.services import Recorder

    engine = open_replica(st2.db)   # the agent cancels the mistaken second passage at self-2
    Recorder(engine, "self-2").cancel(mistaken, 1, "Doublon", datetime.fromisoformat(_at("12:05:40"))
                                      .astimezone())
    engine.dispose()
    st1.sync_once()
    st2.sync_once()
    return {"twice": twice, "once": once, "cancelled": cancelled}


def test_the_headcount_has_exactly_one_double(office, day):
    db = Database(open_database(office.db_url))
    with db.read() as s:
        hc = compute(load_day(s, UAI, datetime.fromisoformat(SCHOOL_DAY).date()))
    db.engine.dispose()
    lunch = hc.service("dejeuner")
    assert [d["person_id"] for d in lunch.doubles] == [day["twice"]] and hc.doubles == 1
    [double] = lunch.doubles
    assert [(p["at"], p["station"], p["extra"]) for p in double["passages"]] == [
        ("12:03:10", "self-1", False), ("12:03:55", "self-2", True)]
    assert double["extra_cents"] == double["passages"][1]["price_cents"] > 0   # a ticket pupil charged twice


def test_today_and_the_person_page_show_the_double(office, day):
    http = office.session("gestionnaire")
    today = http.get(f"{office.url}/office/", params={"date": SCHOOL_DAY}).text
    assert 'data-figure="doubles">1<' in today
    assert "Deux postes hors ligne ont servi le même élève" in today
    person = office.school.persons[day["twice"]]
    listed = today.split("data-doubles=")[1].split("</table>")[0]
    assert person["last_name"] in listed and person["class_name"] in listed
    assert "12:03:10 · self-1" in listed and "12:03:55 · self-2" in listed and listed.count("en trop") == 1
    for other in ("once", "cancelled"):
        assert f'data-person="{day[other]}"' not in listed
    english = http.get(f"{office.url}/office/", params={"date": SCHOOL_DAY, "lang": "en"}).text
    assert "Served twice (offline stations)" in english
    page = http.get(f"{office.url}/office/persons/{day['twice']}", params={"lang": "fr"}).text
    assert page.count("data-double=") == 2 and page.count("en trop") == 1
    for other in ("once", "cancelled"):
        assert "data-double=" not in http.get(f"{office.url}/office/persons/{day[other]}").text


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils missing")
def test_the_daily_report_shows_the_double(office, day, tmp_path):
    http = office.session("gestionnaire")
    pdf = http.get(f"{office.url}/office/reports/daily.pdf", params={"date": SCHOOL_DAY})
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    (tmp_path / "jour.pdf").write_bytes(pdf.content)
    text = " ".join(subprocess.run(["pdftotext", "-layout", str(tmp_path / "jour.pdf"), "-"], capture_output=True,
                                   check=True, timeout=60).stdout.decode("utf-8").split())
    assert "Passages en double (postes hors ligne) : 1 personne(s)" in text
    section = text.split("Passages en double : deux postes hors ligne")[1].split("Deux postes hors ligne en")[0]
    assert office.school.persons[day["twice"]]["last_name"] in section and section.count("en trop") == 1
    rows = http.get(f"{office.url}/office/reports/daily.csv", params={"date": SCHOOL_DAY}).content \
        .decode("utf-8-sig").splitlines()
    marked = [r for r in rows[1:] if r.endswith(";oui") or r.endswith(";en trop")]
    assert len(marked) == 2 and sum(r.endswith(";en trop") for r in marked) == 1
    assert all(f";{day['twice']};" in r for r in marked)


def test_the_pages_with_a_double_pass_axe(office, day, browser):
    sign_in(browser, office, "gestionnaire")
    for name, path in (("today with a double", f"/office/?date={SCHOOL_DAY}"),
                       ("person served twice", f"/office/persons/{day['twice']}")):
        browser.get(office.url + path)
        accessible_at_both_sizes(browser, name)


def test_the_bursar_refunds_the_extra_passage_once_and_it_is_audited(office, day):
    from tests.integration.sync.harness import server_balances
    from tests.web.conftest import csrf_of

    db = Database(open_database(office.db_url))
    with db.read() as s:
        [double] = compute(load_day(s, UAI, datetime.fromisoformat(SCHOOL_DAY).date())).service("dejeuner").doubles
    db.engine.dispose()
    first, extra = (p["passage_id"] for p in double["passages"])
    price = double["extra_cents"]
    pupil = day["twice"]
    http = office.session("gestionnaire")
    page = http.get(f"{office.url}/office/persons/{pupil}").text
    assert f'data-refund="{extra}"' in page and f'data-refund="{first}"' not in page
    before = server_balances(office.db_url)[pupil][0]
    url = f"{office.url}/office/persons/{pupil}/passages/{{}}/refund"
    refused = http.post(url.format(first), data={"csrf": csrf_of(page)})   # the first passage is no double
    assert refused.status_code == 422 and "Seul le passage en trop" in refused.text
    done = http.post(url.format(extra), data={"csrf": csrf_of(page)})
    assert done.status_code == 200 and "Passage en trop remboursé" in done.text
    assert server_balances(office.db_url)[pupil][0] == before + price
    assert f'data-refund="{extra}"' not in done.text and "remboursé</span>" in done.text
    again = http.post(url.format(extra), data={"csrf": csrf_of(page)})        # a second click, another tab
    assert "déjà remboursé" in again.text and server_balances(office.db_url)[pupil][0] == before + price
    today = http.get(f"{office.url}/office/", params={"date": SCHOOL_DAY}).text   # Today says so too
    assert f'data-refunded="{extra}"' in today and f'data-refunded="{first}"' not in today
    audit = office.session("admin").get(f"{office.url}/office/audit").text
    assert audit.count("passage en double remboursé") == 1
    cook = office.session("cuisine")
    cook_csrf = csrf_of(cook.get(f"{office.url}/office/reports").text)
    assert cook.post(url.format(extra), data={"csrf": cook_csrf}).status_code == 403   # no money for the kitchen


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils missing")   # as the refund's test
def test_today_with_the_double_refunded_passes_axe(office, day, browser):
    from tests.support.browser import by_css

    sign_in(browser, office, "gestionnaire")
    browser.get(f"{office.url}/office/?date={SCHOOL_DAY}")
    assert by_css(browser, "[data-refunded]").text == "remboursé"   # refunded by the test above
    accessible_at_both_sizes(browser, "today with a refunded double")
