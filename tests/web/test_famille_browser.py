"""The Espace Famille in a real headless chromium against a real `plateau server`, with a real
station (`plateau sync --once`, `plateau check`): sign in through the form, book a lunch on the
month calendar and cancel it with one tap (at phone and desktop sizes), book a week pattern, a
booking accepted at the station after a sync, an online top-up credited once the provider's
notification arrives, and every page checked by axe-core at 390×844 and 1280×900."""

from __future__ import annotations

import requests
import pytest

from plateau.server.web.templating import euros
from tests.integration.sync.harness import Station, add_station, server_balances
from tests.support.browser import SIZES, accessible_at_both_sizes, by_css, resize, sign_in_as, wait
from tests.web.conftest import UAI, browser, csrf_of  # noqa: F401 (fixture)
from tests.web.famille_world import TEST_FAMILY, browser_sign_in, famille  # noqa: F401 (fixture)
from tests.web.test_office_browser import check

pytestmark = pytest.mark.timeout(300)


@pytest.fixture(scope="module")
def station(famille, tmp_path_factory):
    token = add_station(famille.db_url, "self-1")
    st = Station(tmp_path_factory.mktemp("station") / "self-1", "self-1", famille.url, token, wait_seconds=1)
    st.sync_once()
    return st


def sign_in(driver, famille) -> None:
    browser_sign_in(driver, famille.url)


def state_of(driver, day: str) -> str:
    return by_css(driver, f"td[data-date='{day}']").get_attribute("data-state")


def tap(driver, day: str, expected: str) -> None:
    """One tap on a day of the month grid, then the answer on screen (htmx or a full page)."""
    by_css(driver, f"td[data-date='{day}'] button").click()
    wait(driver, lambda d: state_of(d, day) == expected)


def bookable(driver) -> list[str]:
    return [td.get_attribute("data-date") for td in driver.find_elements("css selector", "td[data-state=bookable]")]


@pytest.mark.parametrize("size", ["phone", "desktop"])
def test_sign_in_book_a_lunch_on_the_calendar_and_cancel_it(famille, browser, size):
    resize(browser, *SIZES[size])
    sign_in(browser, famille)
    assert "Solde au" in by_css(browser, "main").text
    browser.get(f"{famille.url}/famille/calendrier?enfant={famille.booked_pupil}")
    assert "Heure limite de réservation/annulation" in by_css(browser, ".cutoff").text
    day = bookable(browser)[0 if size == "phone" else 1]
    tap(browser, day, "reserved")
    assert "Réservé" in by_css(browser, "[data-answer=ok]").text
    assert "réservé" in by_css(browser, "ul.changes").text and TEST_FAMILY in by_css(browser, "ul.changes").text
    tap(browser, day, "bookable")
    assert "Annulé" in by_css(browser, "[data-answer=ok]").text
    browser.refresh()   # what the server says, not only what the page shows
    assert state_of(browser, day) == "bookable"
    resize(browser, *SIZES["desktop"])


def test_a_refused_tap_says_why_at_once(famille, browser):
    """The page was shown with the day booked; meanwhile the other parent cancelled it: the tap on
    "cancel" is refused by the server, and the answer shows on the page (htmx swaps it in)."""
    sign_in(browser, famille)
    browser.get(f"{famille.url}/famille/calendrier?enfant={famille.booked_pupil}")
    day = bookable(browser)[3]
    tap(browser, day, "reserved")
    other = famille.session()
    csrf = csrf_of(other.get(famille.url + "/famille/compte", timeout=30).text)
    cancelled = other.post(famille.url + "/famille/reservation", timeout=30, data={
        "csrf": csrf, "enfant": famille.booked_pupil, "date": day, "service": "dejeuner", "action": "cancel"})
    assert cancelled.status_code == 200
    by_css(browser, f"td[data-date='{day}'] button").click()
    wait(browser, lambda d: "pas réservé" in by_css(d, "[data-answer=refused]").text)
    assert state_of(browser, day) == "bookable"


def test_a_week_pattern_books_every_chosen_weekday(famille, browser):
    sign_in(browser, famille)
    browser.get(f"{famille.url}/famille/calendrier?enfant={famille.second_pupil}")
    by_css(browser, "details.pattern summary").click()
    for weekday in ("mon", "thu"):
        by_css(browser, f"input[name=jour_{weekday}]").click()
    by_css(browser, "details.pattern button[type=submit]").click()
    wait(browser, lambda d: "repas réservés" in by_css(d, "[data-answer=ok]").text)
    results = by_css(browser, ".pattern-done").text
    assert "réservé" in results
    booked = [td.get_attribute("data-date") for td in browser.find_elements("css selector", "td[data-state=reserved]")]
    from datetime import date

    assert booked and all(date.fromisoformat(d).weekday() in (0, 3) for d in booked)


def test_a_booking_made_in_the_browser_is_accepted_at_the_station(famille, browser, station):
    pupil, uid = famille.booked_pupil, famille.school.cards[famille.booked_pupil]
    sign_in(browser, famille)
    browser.get(f"{famille.url}/famille/calendrier?enfant={pupil}")
    day = bookable(browser)[2]
    at = f"{day}T12:03:00"
    station.sync_once()
    assert check(station, uid, at)["reason"] == "no_reservation"
    tap(browser, day, "reserved")
    station.sync_once()
    accepted = check(station, uid, at)
    assert accepted["accepted"] is True and accepted["reason"] == "ok", accepted


def test_an_online_top_up_is_credited_when_the_provider_confirms(famille, browser):
    pupil = famille.booked_pupil
    before = server_balances(famille.db_url).get(pupil, (0, 0))[0]
    sign_in(browser, famille)
    browser.get(f"{famille.url}/famille/rechargement?enfant={pupil}")
    by_css(browser, "input[name=amount]").send_keys("20,50")
    by_css(browser, "#topup-form button[type=submit]").click()
    link = wait(browser, lambda d: by_css(d, "#pay"))
    reference = link.get_attribute("data-reference")
    assert "amount=20.50" in link.get_attribute("href")
    browser.get(famille.url + "/famille/")
    assert "en attente de la confirmation" in by_css(browser, "main").text     # pending, said plainly
    # the provider's server-to-server notification (eopayment's dummy backend), as the API tests send it
    notified = requests.post(f"{famille.url}/api/v1/family/top-ups/{UAI}/notify",
                             data={"transaction_id": reference, "ok": "1", "signed": "1", "amount": "20.50"},
                             timeout=30)
    assert notified.status_code == 200, notified.text
    browser.get(f"{famille.url}/api/v1/family/top-ups/{UAI}/return?transaction_id={reference}&ok=1&signed=1"
                "&amount=20.50")
    assert "le solde est crédité" in by_css(browser, "[data-outcome]").text
    browser.get(f"{famille.url}/famille/mouvements?enfant={pupil}")
    shown = euros(before + 2050).replace("\u00a0", " ")
    assert by_css(browser, "[data-balance]").text == shown
    assert "Rechargement en ligne" in by_css(browser, "table.movements tbody tr").text
    assert server_balances(famille.db_url)[pupil][0] == before + 2050


PAGES_SIGNED_OUT = ("/famille/login", "/famille/activer", "/famille/mot-de-passe-oublie", "/famille/mot-de-passe",
                    f"/api/v1/family/top-ups/{UAI}/return?transaction_id=unknown&ok=1")
PAGES = ("/famille/", "/famille/calendrier", "/famille/passages", "/famille/mouvements", "/famille/menus",
         "/famille/compte", "/famille/rechargement", "/famille/passages?enfant=999999", "/famille/?lang=en",
         "/famille/calendrier?lang=en", "/famille/messages", "/famille/?lang=fr")


def test_the_page_that_posts_a_systempay_form_to_the_bank_passes_axe_and_its_csp(famille, browser):
    """Payzen/SystemPay take a posted form: the portal sends the family to a page of the server's
    that posts it. Its script is blocked here (the bank is out of reach) to look at the page."""
    from urllib.parse import urlparse

    from plateau.server import store
    from plateau.server.db import Database, open_database
    from plateau.server.family import payments

    def provider(backend, **options):
        db = Database(open_database(famille.db_url))
        with db.write() as s:
            payments.set_provider(s, store.get_site(s, UAI), backend, options)
        db.engine.dispose()

    provider("systempayv2", vads_site_id="12345678", secret_test="abcdefghijklmnop")
    try:
        sign_in(browser, famille)
        browser.get(f"{famille.url}/famille/rechargement?enfant={famille.booked_pupil}")
        by_css(browser, "input[name=amount]").send_keys("12,50")
        by_css(browser, "#topup-form button[type=submit]").click()
        page = urlparse(wait(browser, lambda d: by_css(d, "#pay")).get_attribute("href"))
        browser.execute_cdp_cmd("Network.enable", {})
        browser.execute_cdp_cmd("Network.setBlockedURLs", {"urls": ["*/static/autopost.js"]})
        browser.get(famille.url + page.path)
        assert by_css(browser, "form").get_attribute("action") == "https://paiement.systempay.fr/vads-payment/"
        assert by_css(browser, "input[name=vads_amount]").get_attribute("value") == "1250"
        accessible_at_both_sizes(browser, "the page posting the bank's form")
        # its script posts the form at once, under its CSP (the post itself blocked: no bank from tests)
        browser.execute_cdp_cmd("Network.setBlockedURLs", {"urls": ["https://paiement.systempay.fr/*"]})
        browser.get(famille.url + page.path)
        wait(browser, lambda d: d.current_url.startswith("https://paiement.systempay.fr/"))
    finally:
        browser.execute_cdp_cmd("Network.setBlockedURLs", {"urls": []})
        provider("dummy", origin="Plateau tests")


def test_every_portal_page_passes_axe_at_phone_and_desktop_sizes(famille, browser):
    browser.delete_all_cookies()
    for path in PAGES_SIGNED_OUT:
        browser.get(famille.url + path)
        accessible_at_both_sizes(browser, path)
    sign_in(browser, famille)
    for path in PAGES:
        browser.get(famille.url + path)
        accessible_at_both_sizes(browser, path)
    browser.get(f"{famille.url}/famille/calendrier?enfant={famille.second_pupil}")
    by_css(browser, "details.pattern summary").click()
    accessible_at_both_sizes(browser, "calendar with the week pattern open")
    # the office's view of the day's online payments
    sign_in_as(browser, famille.url, "office", "gestionnaire@college.example.org", "bureau-gestionnaire-2026")
    browser.get(famille.url + "/office/online-payments")
    accessible_at_both_sizes(browser, "/office/online-payments")

