"""Messages from the school in the Espace Famille, against a real `plateau server`: written in the
office, read in the portal (only the family's own, newest first, unread ones marked, opening
marks read, the home page's count), shown escaped with its line breaks, another family's message
a 404 like none; and in a real headless chromium, a message written in the office's form and
read in the portal, both pages checked by axe-core at phone and desktop sizes."""

from __future__ import annotations

import re
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import requests

from tests.support.browser import accessible_at_both_sizes, by_css, sign_in_as, wait
from tests.web.conftest import browser, csrf_of, sign_in as office_sign_in  # noqa: F401 (fixture)
from tests.web.famille_world import OTHER_FAMILY, browser_sign_in, famille  # noqa: F401 (fixture)

pytestmark = pytest.mark.timeout(300)


def today() -> str:
    return datetime.now(ZoneInfo("Europe/Paris")).date().isoformat()   # the server runs on the real clock


def office(famille, role: str = "gestionnaire") -> requests.Session:
    http = requests.Session()
    answer = office_sign_in(http, famille.url, f"{role.replace('_', '.')}@college.example.org",
                            f"bureau-{role}-2026")
    assert answer.url.endswith("/office/"), answer.text[:300]
    return http


def write(famille, title: str, body: str, **fields) -> int:
    http = office(famille)
    page = http.get(famille.url + "/office/messages/new", timeout=30).text
    done = http.post(famille.url + "/office/messages", timeout=30, data={
        "csrf": csrf_of(page), "title": title, "body": body, "publish_on": today(), "ends_on": "",
        "audience": "site", **fields})
    assert done.url.endswith("flash=written"), done.text[:1000]
    return max(int(x) for x in re.findall(r'<tr data-message="(\d+)">', done.text))


def unread_on_home(http, famille) -> int:
    home = http.get(famille.url + "/famille/", timeout=30).text
    found = re.search(r'id="new-messages"><a href="/famille/messages">(\d+) nouveaux? messages?</a>', home)
    return int(found.group(1)) if found else 0


def test_a_family_reads_its_messages_and_the_home_page_counts_the_new_ones(famille):
    family, other = famille.session(), famille.session(OTHER_FAMILY)
    start = unread_on_home(family, famille)
    everyone = write(famille, "Photos de classe", "Les photos ont lieu mardi.\n<b>Pensez</b> au sourire !")
    theirs = write(famille, "Pour la famille Autre", "Rendez-vous au secrétariat.", audience="pupils",
                   pupils=[str(famille.other_pupil)])
    assert unread_on_home(family, famille) == start + 1
    listing = family.get(famille.url + "/famille/messages", timeout=30).text
    assert "Pour la famille Autre" not in listing
    item = listing.split(f'data-message="{everyone}"')[1].split("</li>")[0]
    assert 'data-read="false"' in item and "Nouveau" in item
    opened = family.get(f"{famille.url}/famille/messages/{everyone}", timeout=30)
    assert opened.status_code == 200
    # plain text: shown escaped, its line breaks kept (the page's style keeps them)
    assert "Les photos ont lieu mardi.\n&lt;b&gt;Pensez&lt;/b&gt; au sourire !" in opened.text
    assert "<b>Pensez" not in opened.text
    again = family.get(famille.url + "/famille/messages", timeout=30).text
    assert 'data-read="true"' in again.split(f'data-message="{everyone}"')[1].split("</li>")[0]
    assert unread_on_home(family, famille) == start
    # the other family: its own message, and the one for everybody
    assert unread_on_home(other, famille) >= 2
    assert "Pour la famille Autre" in other.get(famille.url + "/famille/messages", timeout=30).text
    # another family's message answers like one that does not exist
    for path in (f"/famille/messages/{theirs}", "/famille/messages/99999999", "/famille/messages/abc"):
        answer = family.get(famille.url + path, timeout=30)
        assert answer.status_code == 404 and "Ce message n'existe pas" in answer.text.replace("&#39;", "'")
    english = family.get(famille.url + "/famille/messages?lang=en", timeout=30).text
    assert "Messages from the school" in english


def test_a_withdrawn_message_leaves_the_portal_at_once(famille):
    family = famille.session()
    gone = write(famille, "Sortie annulée", "Finalement non.")
    assert f'data-message="{gone}"' in family.get(famille.url + "/famille/messages", timeout=30).text
    http = office(famille, "vie_scolaire")
    page = http.get(famille.url + "/office/messages", timeout=30).text
    http.post(f"{famille.url}/office/messages/{gone}/withdraw", data={"csrf": csrf_of(page)}, timeout=30)
    assert f'data-message="{gone}"' not in family.get(famille.url + "/famille/messages", timeout=30).text
    assert family.get(f"{famille.url}/famille/messages/{gone}", timeout=30).status_code == 404



def test_a_message_written_in_the_office_is_read_in_the_portal(famille, browser):
    from selenium.webdriver.support.ui import Select

    klass = famille.school.persons[famille.booked_pupil]["class_name"]
    sign_in_as(browser, famille.url, "office", "vie.scolaire@college.example.org", "bureau-vie_scolaire-2026")
    by_css(browser, "a[href='/office/messages']").click()
    wait(browser, lambda d: d.current_url.endswith("/office/messages"))
    accessible_at_both_sizes(browser, "/office/messages")
    by_css(browser, "#write-message").click()
    wait(browser, lambda d: d.current_url.endswith("/office/messages/new"))
    accessible_at_both_sizes(browser, "/office/messages/new")
    by_css(browser, "#title").send_keys(f"Sortie au musée des {klass}")
    by_css(browser, "#body").send_keys("Départ à 8 h 30.\nPrévoir un pique-nique.")
    by_css(browser, "input[name=audience][value=classes]").click()
    Select(by_css(browser, "#classes")).select_by_value(klass)
    by_css(browser, "#message-form button[type=submit]").click()
    wait(browser, lambda d: "flash=written" in d.current_url)
    assert "Message écrit" in by_css(browser, "#flash").text
    assert f"Sortie au musée des {klass}" in by_css(browser, "#messages").text
    # the family of a pupil of that class
    browser_sign_in(browser, famille.url)
    assert "nouveau" in by_css(browser, "#new-messages").text
    by_css(browser, "#new-messages a").click()
    wait(browser, lambda d: d.current_url.endswith("/famille/messages"))
    accessible_at_both_sizes(browser, "/famille/messages")
    mine = next(li for li in browser.find_elements("css selector", "#messages li")
                if f"Sortie au musée des {klass}" in li.text)
    assert mine.get_attribute("data-read") == "false" and "Nouveau" in mine.text
    mine.find_element("css selector", "a").click()
    wait(browser, lambda d: "/famille/messages/" in d.current_url)
    assert by_css(browser, ".message-body").text == "Départ à 8 h 30.\nPrévoir un pique-nique."
    accessible_at_both_sizes(browser, "/famille/messages/{id}")
    browser.get(famille.url + "/famille/messages")
    mine = next(li for li in browser.find_elements("css selector", "#messages li")
                if f"Sortie au musée des {klass}" in li.text)
    assert mine.get_attribute("data-read") == "true"


def test_a_message_written_in_the_office_is_emailed_when_the_server_has_smtp(tmp_path):
    """A server configured like a school's (PLATEAU_SMTP_* in its environment) and a real SMTP
    server on loopback: the office's message to one pupil reaches that pupil's guardian only."""
    import time

    from tests.integration.server.family_world import Inbox
    from tests.support.server import running_server
    from tests.web.famille_world import build

    db_url = str(tmp_path / "server.db")
    _school, _booked, _second, other = build(db_url)
    with Inbox() as box, running_server(db_url, env=box.env()) as srv:
        http = requests.Session()
        assert office_sign_in(http, srv.url, "vie.scolaire@college.example.org",
                              "bureau-vie_scolaire-2026").url.endswith("/office/")
        page = http.get(srv.url + "/office/messages/new", timeout=30).text
        done = http.post(srv.url + "/office/messages", timeout=30, data={
            "csrf": csrf_of(page), "title": "Rendez-vous", "body": "Merci de passer au secrétariat.",
            "publish_on": today(), "audience": "pupils", "pupils": [str(other)]})
        assert done.url.endswith("flash=written")
        deadline = time.monotonic() + 15
        while not box.messages and time.monotonic() < deadline:
            time.sleep(0.05)
        [(to, message)] = box.messages
        assert to == [OTHER_FAMILY] and message["Subject"].endswith(": Rendez-vous")
        assert "Merci de passer au secrétariat." in message.get_body(preferencelist=("plain",)).get_content()
