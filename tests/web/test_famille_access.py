"""The Espace Famille over plain HTTP: pages need a family session, forms need its CSRF token,
wrong passwords end in 429, a family never opens another family's child, and the request gate
lets only signed-in families post bodies beyond the small door limits."""

from __future__ import annotations

import html
import re

import requests

from tests.web.conftest import csrf_of
from tests.web.famille_world import PASSWORD, TEST_FAMILY, bookable_days, famille, sign_in  # noqa: F401


def test_pages_send_a_stranger_to_the_sign_in_form(famille):
    for path in ("/famille/", "/famille/calendrier", "/famille/passages", "/famille/mouvements", "/famille/menus",
                 "/famille/compte", "/famille/rechargement", "/famille/badge/", "/famille/messages",
                 "/famille/messages/1"):
        r = requests.get(famille.url + path, allow_redirects=False, timeout=30)
        assert r.status_code == 303 and r.headers["location"].startswith("/famille/login?next="), path
    page = requests.get(famille.url + "/famille/login", timeout=30)
    assert page.status_code == 200 and 'lang="fr"' in page.text and "Connexion à l'Espace Famille" in html.unescape(page.text)
    english = requests.get(famille.url + "/famille/login?lang=en", timeout=30)
    assert "Sign in to the family space" in english.text


def test_every_page_answers_for_a_signed_in_family(famille):
    http = famille.session()
    home = http.get(famille.url + "/famille/", timeout=30)
    assert "Solde au" in html.unescape(home.text) and famille.school.persons[famille.booked_pupil]["first_name"] in home.text
    for path in ("/famille/calendrier", "/famille/passages", "/famille/mouvements", "/famille/menus",
                 "/famille/compte", "/famille/rechargement", f"/famille/calendrier?enfant={famille.second_pupil}",
                 "/famille/badge/", "/famille/messages"):
        r = http.get(famille.url + path, timeout=30)
        assert r.status_code == 200, (path, r.text[:300])
        csp = r.headers["Content-Security-Policy"]   # no inline script, no other origin, no frame
        assert "script-src 'self'" in csp and "frame-ancestors 'none'" in csp, (path, csp)
        assert "unsafe-inline" not in csp.split("style-src-attr")[0] and "unsafe-eval" not in csp, (path, csp)
    cal = html.unescape(http.get(famille.url + "/famille/calendrier", timeout=30).text)
    assert "Heure limite de réservation/annulation" in cal and "réservé (non annulable)" in cal


def test_a_family_cannot_open_or_book_for_another_familys_child(famille):
    http = famille.session()
    for path in ("calendrier", "passages", "mouvements", "menus", "rechargement", "badge/"):
        for pupil in (famille.other_pupil, 999999, "x"):
            r = http.get(f"{famille.url}/famille/{path}?enfant={pupil}", timeout=30)
            assert r.status_code == 404, (path, pupil)
    csrf = csrf_of(http.get(famille.url + "/famille/calendrier", timeout=30).text)
    day = bookable_days(http.get(famille.url + "/famille/calendrier", timeout=30).text)[0]
    r = http.post(famille.url + "/famille/reservation", data={"csrf": csrf, "enfant": famille.other_pupil,
                                                              "date": day, "service": "dejeuner", "action": "book"},
                  timeout=30)
    assert r.status_code == 404


def test_forms_without_the_sessions_csrf_token_are_refused(famille):
    http = famille.session()
    day = bookable_days(http.get(famille.url + "/famille/calendrier", timeout=30).text)[0]
    form = {"enfant": famille.booked_pupil, "date": day, "service": "dejeuner", "action": "book"}
    assert http.post(famille.url + "/famille/reservation", data=form, timeout=30).status_code == 403
    assert http.post(famille.url + "/famille/reservation", data={**form, "csrf": "forged"},
                     timeout=30).status_code == 403
    assert day in bookable_days(http.get(famille.url + "/famille/calendrier", timeout=30).text)  # nothing booked
    # the sign-in form carries its own double-submit token
    r = requests.post(famille.url + "/famille/login", data={"email": TEST_FAMILY, "password": PASSWORD}, timeout=30)
    assert r.status_code == 403


def test_repeated_wrong_passwords_end_in_429_even_with_the_right_one(famille):
    from tests.web.famille_world import OTHER_FAMILY

    http = requests.Session()
    answers = [sign_in(http, famille.url, OTHER_FAMILY, "pas le bon mot").status_code for _ in range(6)]
    assert answers[:5] == [401] * 5 and answers[5] == 429
    late = sign_in(http, famille.url, OTHER_FAMILY, PASSWORD)
    assert late.status_code == 429 and int(late.headers["Retry-After"]) > 0 and "Réessayez" in html.unescape(late.text)


def test_the_request_gate_gives_strangers_only_the_small_door_limit(famille):
    big = {"email": "x@example.org", "password": "y" * 100_000, "csrf": "z"}
    r = requests.post(famille.url + "/famille/login", data=big, timeout=30)
    assert r.status_code == 413                                       # no session: the door's 64 KiB
    http = famille.session()
    csrf = csrf_of(http.get(famille.url + "/famille/compte", timeout=30).text)
    r = http.post(famille.url + "/famille/rechargement", data={"csrf": csrf, "enfant": famille.booked_pupil,
                                                               "amount": "1", "pad": "p" * 100_000}, timeout=30)
    assert r.status_code == 422 and "au moins" in r.text               # signed in: the form is read and answered


def test_sign_out_ends_the_session(famille):
    http = famille.session()
    csrf = csrf_of(http.get(famille.url + "/famille/compte", timeout=30).text)
    cookie = http.cookies.get("plateau_famille")
    r = http.post(famille.url + "/famille/logout", data={"csrf": csrf}, timeout=30)
    assert r.url.endswith("/famille/login")
    stale = requests.get(famille.url + "/famille/", cookies={"plateau_famille": cookie}, allow_redirects=False,
                         timeout=30)
    assert stale.status_code == 303


def test_the_office_sees_the_days_online_payments(famille):
    import re

    from tests.web.conftest import PASSWORD as OFFICE_PASSWORD
    from tests.web.conftest import UAI
    from tests.web.conftest import sign_in as office_sign_in

    family = famille.session()
    csrf = csrf_of(family.get(famille.url + "/famille/compte", timeout=30).text)
    started = family.post(famille.url + "/famille/rechargement", timeout=30,
                          data={"csrf": csrf, "enfant": famille.second_pupil, "amount": "12,30"}).text
    reference = re.search(r'data-reference="([^"]+)"', started).group(1)
    office = requests.Session()
    office_sign_in(office, famille.url, "gestionnaire@college.example.org", OFFICE_PASSWORD.format(role="gestionnaire"))
    page = html.unescape(office.get(famille.url + "/office/online-payments", timeout=30).text)
    assert reference in page and "12,30" in page and "en attente de la banque" in page
    requests.post(f"{famille.url}/api/v1/family/top-ups/{UAI}/notify", timeout=30,
                  data={"transaction_id": reference, "ok": "1", "signed": "1", "amount": "12.30"})
    page = html.unescape(office.get(famille.url + "/office/online-payments", timeout=30).text)
    assert "crédité" in page and "Paiements en ligne" in page
    kitchen = requests.Session()
    office_sign_in(kitchen, famille.url, "cuisine@college.example.org", OFFICE_PASSWORD.format(role="cuisine"))
    assert kitchen.get(famille.url + "/office/online-payments", timeout=30).status_code == 403


def test_refusals_come_back_as_the_calendar_page_with_the_reason(famille):
    http = famille.session()
    page = http.get(f"{famille.url}/famille/calendrier?enfant={famille.second_pupil}", timeout=30).text
    csrf, day = csrf_of(page), bookable_days(page)[-1]
    form = {"csrf": csrf, "enfant": famille.second_pupil, "date": day, "service": "dejeuner"}
    nothing = http.post(famille.url + "/famille/reservation", data={**form, "action": "cancel"}, timeout=30)
    assert nothing.status_code == 404 and "n'était pas réservé" in html.unescape(nothing.text)
    assert 'data-answer="refused"' in nothing.text
    closed = [d for d in re.findall(r'data-date="([0-9-]+)" data-state="closed"', page)]
    refused = http.post(famille.url + "/famille/reservation", data={**form, "date": closed[-1], "action": "book"},
                        timeout=30)
    assert refused.status_code == 409 and "fermée ce jour-là" in html.unescape(refused.text)
    unknown = http.post(famille.url + "/famille/reservation", data={**form, "service": "goûter", "action": "book"},
                        timeout=30)
    assert unknown.status_code in (404, 422) and 'data-answer="refused"' in unknown.text


def test_english_on_request(famille):
    http = famille.session()
    home = http.get(famille.url + "/famille/?lang=en", timeout=30)
    assert 'lang="en"' in home.text and "Balance on" in home.text and "Solde" not in home.text
    passages = http.get(f"{famille.url}/famille/passages?enfant={famille.booked_pupil}", timeout=30)  # remembered
    assert 'lang="en"' in passages.text and "Repas" not in passages.text
    assert "Solde au" in html.unescape(http.get(famille.url + "/famille/?lang=fr", timeout=30).text)
