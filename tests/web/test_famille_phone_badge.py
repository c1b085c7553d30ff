"""The Espace Famille's phone-badge page in a real headless chromium at phone size, against a real
`plateau server`: a family puts the badge on the phone from the portal, the QR code the page draws
(decoded by zxing-cpp, as the kiosk camera decodes it) is accepted by the station's own check
(plateau.domain.phone_badge), the page still shows valid, changing codes once the server is gone
(the service worker keeps it), and turning the badge off or replacing it from another phone drops
the key from this phone at its next online load. Checked by axe-core, in French and in English."""

from __future__ import annotations

import html
import json
import io
from datetime import datetime, timedelta, timezone

import pytest
import requests

from plateau.domain import phone_badge as pb
from tests.support.server import ServerProcess
from tests.web.conftest import UAI, csrf_of
from tests.support.browser import by_css, wait
from tests.web.famille_world import FamilleEnv, browser_sign_in, build

pytestmark = pytest.mark.timeout(300)


def _db(db_url: str):
    from plateau.server.db import Database, open_database

    return Database(open_database(db_url))


def allow_phone_badges(db_url: str, on: bool, digits: int = 6) -> None:
    from plateau.server import store

    db = _db(db_url)
    try:
        with db.write() as s:
            store.set_settings(s, store.get_site(s, UAI), {"phone_badge": "true" if on else "false",
                                                           "phone_badge_digits": str(digits)})
    finally:
        db.engine.dispose()


def secret_of(db_url: str, pupil: int) -> str | None:
    from plateau.server import models as m

    db = _db(db_url)
    try:
        with db.read() as s:
            row = s.get(m.PhoneBadge, pupil)
            return row.secret if row else None
    finally:
        db.engine.dispose()


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    """The web tests' school and families on a server this module may stop and start again."""
    db_url = str(tmp_path_factory.mktemp("famille-badge") / "server.db")
    school, booked, second, other = build(db_url)
    srv = ServerProcess(db_url).start()
    yield FamilleEnv(srv.url, db_url, school, booked, second, other), srv
    srv.stop()


@pytest.fixture(scope="module")
def phone():
    from tests.support.browser import chromium_or_skip

    driver = chromium_or_skip("phone")
    yield driver
    driver.quit()


def badge_state(driver) -> str | None:
    return driver.execute_script("return document.documentElement.dataset.badge || null")


def shown_text(driver) -> str:
    """What the drawn QR code says, read from the screen as the kiosk camera reads it."""
    from PIL import Image

    from plateau.devices.camera import decode_frame

    image = Image.open(io.BytesIO(by_css(driver, "#qr").screenshot_as_png)).convert("L")
    found = decode_frame(image)
    assert len(found) == 1, found
    return found[0]


def accepted_at_station(text: str, secret: str, at: datetime, pupil: int, digits: int = 6) -> int:
    """The station's check of a read phone badge: the pupil it names, and its code verified."""
    payload = pb.parse_payload(text)
    assert payload is not None and (payload.site_code, payload.person_id) == (UAI, pupil), text
    verdict, step = pb.verify(secret, payload.code, at, None, digits=digits)
    assert verdict is pb.Verdict.OK, (text, verdict)
    return step


def kept_on_phone(driver, pupil: int):
    """The badge this browser keeps for `pupil` (its fingerprint), or None."""
    return driver.execute_async_script("""
        const done = arguments[arguments.length - 1];
        const req = indexedDB.open("plateau-badge", 1);
        req.onupgradeneeded = () => req.result.createObjectStore("badges");
        req.onsuccess = () => {
          const get = req.result.transaction("badges").objectStore("badges").get("child:" + arguments[0]);
          get.onsuccess = () => done(get.result ? get.result.fingerprint : null);
          get.onerror = () => done("error");
        };
        req.onerror = () => done("error");""", pupil)


def test_a_school_without_phone_badges_says_so_in_french_or_english(world, phone):
    env, _srv = world
    allow_phone_badges(env.db_url, False)
    http = env.session()
    page = http.get(f"{env.url}/famille/badge/?enfant={env.second_pupil}", timeout=30)
    assert page.status_code == 200 and "n'utilise pas le badge sur téléphone" in html.unescape(page.text)
    assert 'id="turn-on"' not in page.text and 'rel="manifest"' not in page.text
    english = http.get(f"{env.url}/famille/badge/?enfant={env.second_pupil}&lang=en", timeout=30).text
    assert "The school does not use phone badges" in english
    csrf = csrf_of(http.get(f"{env.url}/famille/compte", timeout=30).text)
    refused = http.post(f"{env.url}/famille/badge/activer", timeout=30,
                        data={"csrf": csrf, "enfant": env.second_pupil})
    assert refused.status_code == 409 and secret_of(env.db_url, env.second_pupil) is None
    browser_sign_in(phone, env.url)
    phone.get(f"{env.url}/famille/badge/?enfant={env.second_pupil}&lang=fr")
    wait(phone, lambda d: badge_state(d) == "absent")
    from tests.support.browser import serious_violations

    assert serious_violations(phone) == []


def test_the_page_answers_with_a_narrow_content_security_policy_and_refuses_a_form_without_csrf(world):
    env, _srv = world
    allow_phone_badges(env.db_url, True)
    http = env.session()
    page = http.get(f"{env.url}/famille/badge/?enfant={env.second_pupil}", timeout=30)
    csp = page.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "connect-src 'none'" in csp and "unsafe" not in csp
    assert "frame-ancestors 'none'" in csp and page.headers["Cache-Control"] == "no-store"
    assert "htmx" not in page.text      # its inline style would need 'unsafe-inline'
    worker = http.get(f"{env.url}/famille/badge/sw.js", timeout=30)
    assert worker.headers["content-type"].startswith("text/javascript") and "plateau-badge" in worker.text
    # browsers fetch a manifest without cookies: it answers anybody, and names nobody
    manifest = requests.get(f"{env.url}/famille/badge/manifest.webmanifest?enfant={env.second_pupil}",
                            timeout=30).json()
    assert env.school.persons[env.second_pupil]["first_name"] not in json.dumps(manifest)
    assert manifest["scope"] == "/famille/badge/" and manifest["display"] == "standalone"
    assert manifest["start_url"] == f"/famille/badge/?enfant={env.second_pupil}"
    assert all(http.get(env.url + i["src"], timeout=30).status_code == 200 for i in manifest["icons"])
    refused = http.post(f"{env.url}/famille/badge/activer", timeout=30, data={"enfant": env.second_pupil})
    assert refused.status_code == 403 and secret_of(env.db_url, env.second_pupil) is None
    other = http.get(f"{env.url}/famille/badge/?enfant={env.other_pupil}", timeout=30)
    assert other.status_code == 404
    csrf = csrf_of(page.text)
    for action in ("activer", "desactiver"):
        theirs = http.post(f"{env.url}/famille/badge/{action}", timeout=30,
                           data={"csrf": csrf, "enfant": env.other_pupil, "confirm": "1"})
        assert theirs.status_code == 404


def test_the_phone_shows_codes_the_station_accepts_also_offline_until_the_badge_is_turned_off(world, phone):
    from tests.support.browser import SIZES, csp_violations, resize, serious_violations

    env, srv = world
    pupil = env.booked_pupil
    allow_phone_badges(env.db_url, True)
    browser_sign_in(phone, env.url)
    phone.get(f"{env.url}/famille/badge/?enfant={pupil}")
    assert "Installer le badge sur ce téléphone" in by_css(phone, "main").text
    by_css(phone, "#turn-on").click()
    wait(phone, lambda d: "fait=on" in d.current_url and badge_state(d) == "present")
    secret = secret_of(env.db_url, pupil)
    assert secret and secret not in phone.page_source          # the page never holds the secret
    name = env.school.persons[pupil]
    assert f"{name['first_name']} {name['last_name']}" in by_css(phone, "#badge-name").text
    assert "Une capture d'écran ne marchera pas" in by_css(phone, "#badge").text
    assert "Nouveau code dans" in by_css(phone, "#countdown").text
    first_step = accepted_at_station(shown_text(phone), secret, datetime.now(timezone.utc), pupil)
    assert csp_violations(phone) == []
    for size in ("desktop", "phone"):
        resize(phone, *SIZES[size])
        assert serious_violations(phone) == [], size
    wait(phone, lambda d: d.execute_script("return document.documentElement.dataset.offline") == "ready")
    assert phone.execute_cdp_cmd("Page.getInstallabilityErrors", {}) == {"installabilityErrors": []}

    srv.stop()                                                      # no network at all now
    try:
        phone.execute_cdp_cmd("Network.enable", {})
        phone.execute_cdp_cmd("Network.emulateNetworkConditions", {"offline": True, "latency": 0,
                                                                    "downloadThroughput": -1, "uploadThroughput": -1})
        phone.get(f"{env.url}/famille/badge/?enfant={pupil}")
        wait(phone, lambda d: badge_state(d) == "present")
        at = datetime.now(timezone.utc)
        step = accepted_at_station(shown_text(phone), secret, at, pupil)
        assert step >= first_step
        # half a minute later on the phone's clock, the page draws the next code by itself
        phone.execute_script("const real = Date.now.bind(Date); Date.now = () => real() + 30000;")
        wait(phone, lambda d: int(by_css(d, "#qr").get_attribute("data-step")) == pb.time_step(at) + 1)
        later = shown_text(phone)
        assert accepted_at_station(later, secret, at + timedelta(seconds=30), pupil) == pb.time_step(at) + 1
        assert pb.verify(secret, pb.parse_payload(later).code, at + timedelta(seconds=30), step)[0] is pb.Verdict.OK
        assert csp_violations(phone) == []
    finally:
        phone.execute_cdp_cmd("Network.emulateNetworkConditions", {"offline": False, "latency": 0,
                                                                    "downloadThroughput": -1, "uploadThroughput": -1})
        srv.start()                                                 # same port, same database, same session

    phone.get(f"{env.url}/famille/badge/?enfant={pupil}")
    wait(phone, lambda d: badge_state(d) == "present")
    by_css(phone, "#lost summary").click()
    by_css(phone, "#turn-off").click()
    wait(phone, lambda d: "Désactiver le badge téléphone" in by_css(d, "#confirm-text").text)
    assert serious_violations(phone) == []
    assert secret_of(env.db_url, pupil) == secret                   # nothing happens before the confirmation
    by_css(phone, "#confirm").click()
    wait(phone, lambda d: "fait=off" in d.current_url and badge_state(d) == "absent")
    assert "désactivé" in by_css(phone, "main").text
    assert secret_of(env.db_url, pupil) is None and kept_on_phone(phone, pupil) is None


def test_a_badge_replaced_from_another_phone_leaves_this_one_at_its_next_online_load(world, phone):
    env, _srv = world
    pupil = env.second_pupil
    allow_phone_badges(env.db_url, True)
    browser_sign_in(phone, env.url)
    phone.get(f"{env.url}/famille/badge/?enfant={pupil}&lang=en")
    by_css(phone, "#turn-on").click()
    wait(phone, lambda d: badge_state(d) == "present")
    assert "A screenshot will not work" in by_css(phone, "#badge").text
    assert "New code in" in by_css(phone, "#countdown").text
    mine = kept_on_phone(phone, pupil)
    assert mine

    other = env.session()                                           # the other phone, the same family
    page = other.get(f"{env.url}/famille/badge/?enfant={pupil}", timeout=30).text
    asked = other.post(f"{env.url}/famille/badge/activer", timeout=30,
                       data={"csrf": csrf_of(page), "enfant": pupil})
    assert asked.status_code == 200 and "Remplacer le badge téléphone" in html.unescape(asked.text)
    # the child switcher of the other pages would GET this POST-only address: a form answer has none
    assert 'class="inline switch"' in page and 'class="inline switch"' not in asked.text
    english = other.get(f"{env.url}/famille/badge/activer?lang=en", timeout=30)   # its footer's link
    assert english.status_code == 200 and english.url.endswith("/famille/badge/?lang=en")
    assert "Phone badge" in english.text
    assert kept_on_phone(phone, pupil) == mine                      # not replaced without the confirmation
    replaced = other.post(f"{env.url}/famille/badge/activer", timeout=30,
                          data={"csrf": csrf_of(page), "enfant": pupil, "confirm": "1"})
    assert replaced.status_code == 200 and 'id="provision"' in replaced.text
    assert replaced.headers["Cache-Control"] == "no-store"

    phone.get(f"{env.url}/famille/badge/?enfant={pupil}&lang=fr")
    wait(phone, lambda d: badge_state(d) == "absent")
    assert by_css(phone, "#elsewhere").is_displayed() and not by_css(phone, "#badge").is_displayed()
    assert "pas sur ce téléphone" in by_css(phone, "#elsewhere").text
    assert kept_on_phone(phone, pupil) is None


def test_a_signed_out_phone_keeps_showing_its_badge_of_eight_digit_codes(world, phone):
    """The family signs out on the child's phone after installing the badge: the server now sends
    the page to the sign-in form, and the worker shows the kept badge instead. The school asks for
    8-digit codes (`phone_badge_digits`): the page computes them too."""
    env, _srv = world
    pupil = env.booked_pupil
    allow_phone_badges(env.db_url, True, digits=8)
    browser_sign_in(phone, env.url)
    phone.get(f"{env.url}/famille/badge/?enfant={pupil}")
    if secret_of(env.db_url, pupil) is None:
        by_css(phone, "#turn-on").click()
    else:
        by_css(phone, "#lost summary").click()
        by_css(phone, "#replace").click()
        by_css(phone, "#confirm").click()
    wait(phone, lambda d: "fait=on" in d.current_url and badge_state(d) == "present")
    wait(phone, lambda d: d.execute_script("return document.documentElement.dataset.offline") == "ready")
    phone.delete_all_cookies()
    phone.get(f"{env.url}/famille/badge/?enfant={pupil}")
    wait(phone, lambda d: badge_state(d) == "present")
    text = shown_text(phone)
    assert len(pb.parse_payload(text).code) == 8
    accepted_at_station(text, secret_of(env.db_url, pupil), datetime.now(timezone.utc), pupil, digits=8)
    allow_phone_badges(env.db_url, True)
