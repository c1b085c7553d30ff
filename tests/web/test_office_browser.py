"""The office in a real headless chromium against a real `plateau server`, with a real station
(`plateau sync --once`, `plateau pass`, `plateau check`): sign in through the form, a desk
payment reaching the station's replica, an opposition making the station refuse the pupil, a
persons CSV imported through preview + apply, the Today page updating itself, and every page
checked by axe-core at 1280×900 and 390×844. One browser for the module."""

from __future__ import annotations

import json
import time
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from plateau.server.web.collation import fold
from plateau.server.web.templating import euros
from tests.integration.sync.harness import Station, add_station, plateau, server_balances
from tests.support.browser import accessible_at_both_sizes, by_css, sign_in_as, wait

pytestmark = pytest.mark.timeout(300)
SCHOOL_DAY = "2027-01-11"   # a Monday of term (no holiday, the lunch service open at 12:03)


@pytest.fixture(scope="module")
def station(office, tmp_path_factory):
    token = add_station(office.db_url, "self-1")
    st = Station(tmp_path_factory.mktemp("station") / "self-1", "self-1", office.url, token, wait_seconds=1)
    st.sync_once()
    return st


def ticket_pupils(school) -> list[int]:
    return [p for p, d in sorted(school.persons.items())
            if d["plan"] == "ticket" and p in school.cards and p not in school.absent_today
            and d["leaving_date"] is None and d["status"] == "active" and d["category"].startswith("eleve")]


def sign_in(driver, office, role: str) -> None:
    sign_in_as(driver, office.url, "office", office.users[role], office.password(role))


def submit(driver, form_selector: str) -> None:
    by_css(driver, f"{form_selector} button[type=submit]").click()


def check(st: Station, uid: str, at: str) -> dict:
    done = plateau("check", uid, "--at", at, "--json", "--config", str(st.config), check=False)
    return json.loads(done.stdout)



def test_sign_in_find_a_pupil_and_a_desk_payment_reaches_the_station(office, browser, station):
    pupil = ticket_pupils(office.school)[0]
    person = office.school.persons[pupil]
    before = server_balances(office.db_url).get(pupil, (0, 0))[0]
    sign_in(browser, office, "gestionnaire")
    # accent- and case-insensitive search, folded as a secretary types it
    browser.get(office.url + "/office/persons")
    box = by_css(browser, "input[name=q]")
    box.send_keys(f"{fold(person['last_name'])} {fold(person['first_name'])}")
    submit(browser, "form[role=search]")
    wait(browser, lambda d: "q=" in d.current_url)
    by_css(browser, f"a[href='/office/persons/{pupil}']").click()
    wait(browser, lambda d: d.current_url.endswith(f"/office/persons/{pupil}"))
    by_css(browser, "#payment-form input[name=amount]").send_keys("15,50")
    by_css(browser, "#payment-form input[value=cheque]").click()
    by_css(browser, "#payment-form input[name=reference]").send_keys(f"CHQ-{pupil}")
    submit(browser, "#payment-form")
    wait(browser, lambda d: "flash=paid" in d.current_url)
    assert by_css(browser, "#balance").text == euros(before + 1550).replace("\u00a0", " ")  # as the browser shows it
    assert "Paiement de 15,50" in by_css(browser, "#flash").text
    by_css(browser, "#receipt-link").click()
    wait(browser, lambda d: "Reçu de paiement" in by_css(d, "#receipt").text)
    assert "15,50" in by_css(browser, "#receipt-amount").text
    accessible_at_both_sizes(browser, "receipt")
    browser.back()
    # the same form sent again (a double click, a reload) credits nothing more
    browser.back()
    wait(browser, lambda d: d.current_url.endswith(f"/office/persons/{pupil}"))
    submit(browser, "#payment-form")
    wait(browser, lambda d: "flash=" in d.current_url)
    assert server_balances(office.db_url)[pupil][0] == before + 1550
    # the station's replica has the new balance after one sync
    station.sync_once()
    assert station.scalar("SELECT server_cents FROM balance WHERE person_id = ?", (pupil,)) == before + 1550


def test_vie_scolaire_adds_an_opposition_and_the_station_refuses_the_pupil(office, browser, station):
    pupil = ticket_pupils(office.school)[1]
    uid = office.school.cards[pupil]
    at = f"{SCHOOL_DAY}T12:03:00"
    assert check(station, uid, at)["reason"] != "opposition"
    sign_in(browser, office, "vie_scolaire")
    browser.get(f"{office.url}/office/persons/{pupil}")
    for name in ("first", "last"):
        field = by_css(browser, f"#opposition-form input[name={name}]")
        browser.execute_script("arguments[0].value = arguments[1]", field, SCHOOL_DAY)
    by_css(browser, "#opposition-form input[name=motive]").send_keys("sortie scolaire")
    submit(browser, "#opposition-form")
    wait(browser, lambda d: "flash=opposition" in d.current_url)
    row = by_css(browser, "#oppositions tbody tr").text
    assert "11/01/2027" in row and "sortie scolaire" in row
    station.sync_once()
    refused = check(station, uid, at)
    assert refused["accepted"] is False and refused["reason"] == "opposition"


def test_a_persons_csv_is_previewed_then_applied(office, browser, tmp_path):
    csv = tmp_path / "adultes.csv"
    csv.write_text("person;last_name;first_name;category;class;plan\n"
                   "ADU-7001;ÉTIENNE;Zoé;commensal;;ticket\nADU-7002;Œuvray;Gaël;commensal;;ticket\n",
                   encoding="utf-8")
    sign_in(browser, office, "gestionnaire")
    browser.get(office.url + "/office/imports")
    by_css(browser, "#import-form input[type=file]").send_keys(str(csv))
    submit(browser, "#import-form")
    wait(browser, lambda d: by_css(d, "#run").get_attribute("data-state") == "previewed")
    assert by_css(browser, "#counts").text.startswith("2 nouveaux, 0 modifiés")
    browser.get(office.url + "/office/persons?q=etienne")
    assert "ÉTIENNE" not in browser.page_source            # the preview wrote nothing
    browser.back()
    by_css(browser, "#apply").click()
    wait(browser, lambda d: by_css(d, "#run").get_attribute("data-state") == "applied")
    browser.get(office.url + "/office/persons?q=etienne")
    assert "ÉTIENNE" in by_css(browser, "#persons").text
    browser.get(office.url + "/office/imports")
    assert "adultes.csv" in by_css(browser, "#history").text


def test_today_updates_itself_when_a_passage_reaches_the_server(office, browser, station):
    pupil = ticket_pupils(office.school)[2]
    sign_in(browser, office, "cuisine")
    browser.execute_script("window.stayedOnPage = 42")

    def passages_shown(d) -> int:  # read in one script: htmx may swap the figures between two calls
        return d.execute_script("return [...document.querySelectorAll('[data-figure=served], "
                                "[data-figure=refusals]')].reduce((n, e) => n + Number(e.textContent), 0)")

    shown = passages_shown(browser)
    now = datetime.now(ZoneInfo("Europe/Paris")).replace(microsecond=0, tzinfo=None)
    done = station.passage(office.school.cards[pupil], now.isoformat())
    assert done.returncode in (0, 1), done.stdout + done.stderr   # accepted or refused: both are passages
    station.sync_once()
    reached = time.monotonic()
    wait(browser, lambda d: passages_shown(d) == shown + 1, timeout=10)
    print(f"Today showed the passage {time.monotonic() - reached:.2f} s after it reached the server")
    assert browser.execute_script("return window.stayedOnPage") == 42   # no reload


def test_every_office_page_passes_axe_at_desktop_and_phone_sizes(office, browser, tmp_path):
    browser.delete_all_cookies()
    browser.get(office.url + "/office/login")
    accessible_at_both_sizes(browser, "sign-in")
    sign_in(browser, office, "admin")
    pupil = ticket_pupils(office.school)[0]   # paid for above: movements show
    csv = tmp_path / "erreurs.csv"
    csv.write_text("person;last_name;first_name;category;class;plan\nADU-8001;Durand;Paul;commensal;;weird\n",
                   encoding="utf-8")
    browser.get(office.url + "/office/imports")
    by_css(browser, "#import-form input[type=file]").send_keys(str(csv))
    submit(browser, "#import-form")
    wait(browser, lambda d: "/office/imports/" in d.current_url)
    refused_run = browser.current_url
    for name, path in (("today", "/office/"), ("persons", "/office/persons"),
                       ("persons filtered", "/office/persons?balance=debtors&status=all"),
                       ("person", f"/office/persons/{pupil}"), ("imports", "/office/imports"),
                       ("absences", f"/office/oppositions?date={office.school.today.isoformat()}"),
                       ("import refused", refused_run), ("reports", "/office/reports"),
                       ("menus", "/office/menus?week=2027-01-11"), ("week pattern", "/office/bookings"),
                       ("settings", "/office/settings"), ("messages", "/office/messages"),
                       ("write a message", "/office/messages/new"),
                       ("stations", "/office/stations"), ("staff", "/office/staff"), ("audit", "/office/audit"),
                       ("today in English", "/office/?lang=en")):
        browser.get(path if path.startswith("http") else office.url + path)
        accessible_at_both_sizes(browser, name)
    # a 403 page is a page too
    sign_in(browser, office, "cuisine")
    browser.get(office.url + "/office/persons")
    assert "Votre rôle" in browser.page_source
    accessible_at_both_sizes(browser, "forbidden")
