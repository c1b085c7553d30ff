"""Who may do what in the office, over real HTTP: the role table (403 for every forbidden page
of every role), CSRF on every form, sign-in throttling (429), session cookies, sign-out, and
`plateau admin user ...` (a disabled user is signed out at once)."""

from __future__ import annotations

import re

import pytest
import requests

from plateau.server.web.office.roles import PAGES, PERMISSIONS, ROLES
from plateau.server.web.templating import CSP
from tests.support.server import admin
from tests.web.conftest import UAI, csrf_of, sign_in

# the same office on both databases the server supports
pytestmark = pytest.mark.parametrize(
    "office", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)], indirect=True)


def _person(office) -> int:
    return sorted(office.school.persons)[0]


@pytest.mark.parametrize("role", ROLES)
def test_each_role_gets_403_exactly_on_the_pages_its_role_may_not_open(office, role):
    http = office.session(role)
    csrf = csrf_of(http.get(office.url + "/office/reports", timeout=30).text)
    person = _person(office)
    for method, path, permission, fields in PAGES:
        url = office.url + path.format(person=person)
        if method == "GET":
            answer = http.get(url, timeout=30, allow_redirects=False)
        else:  # a valid token and an incomplete form: allowed roles get a form error, never a write
            answer = http.post(url, data={"csrf": csrf, **fields}, timeout=30, allow_redirects=False)
        forbidden = role not in PERMISSIONS[permission]
        assert (answer.status_code == 403) == forbidden, (role, method, path, answer.status_code)
        if not forbidden:
            assert answer.status_code in (200, 303, 400, 422), (role, method, path, answer.status_code)


def test_vie_scolaire_lists_the_days_oppositions_and_imports_only_absences(office):
    http = office.session("vie_scolaire")
    day = office.school.today.isoformat()  # the demo school's "today" has absent pupils
    page = http.get(f"{office.url}/office/oppositions?date={day}", timeout=30).text
    for pid in office.school.absent_today:
        assert f'href="/office/persons/{pid}"' in page
    kinds = http.get(f"{office.url}/office/imports", timeout=30).text
    assert '<option value="oppositions" selected>' in kinds and 'value="persons"' not in kinds


def test_the_kitchen_sees_no_balance_and_vie_scolaire_no_payment_form(office):
    person = _person(office)
    cook = office.session("cuisine").get(f"{office.url}/office/", timeout=30).text
    assert "Solde" not in cook and "/office/persons" not in cook
    cpe = office.session("vie_scolaire").get(f"{office.url}/office/persons/{person}", timeout=30).text
    assert 'id="balance"' not in cpe and "payment-form" not in cpe and "opposition-form" in cpe
    listing = office.session("vie_scolaire").get(f"{office.url}/office/persons", timeout=30).text
    assert "Débiteurs" not in listing


def test_a_form_without_or_with_a_wrong_csrf_token_is_refused_and_changes_nothing(office):
    http = office.session("gestionnaire")
    person = _person(office)
    page = http.get(f"{office.url}/office/persons/{person}", timeout=30).text
    balance = page.split('id="balance">')[1].split("<")[0]
    form = {"amount": "10", "means": "cash", "nonce": "ab" * 16}
    for token in (None, "not-the-token"):
        data = dict(form, **({"csrf": token} if token else {}))
        answer = http.post(f"{office.url}/office/persons/{person}/payments", data=data, timeout=30,
                           allow_redirects=False)
        assert answer.status_code == 403
    # a token from another session is refused too
    other = csrf_of(office.session("admin").get(office.url + "/office/", timeout=30).text)
    assert http.post(f"{office.url}/office/persons/{person}/payments", data=dict(form, csrf=other),
                     timeout=30, allow_redirects=False).status_code == 403
    after = http.get(f"{office.url}/office/persons/{person}", timeout=30).text
    assert after.split('id="balance">')[1].split("<")[0] == balance
    # the sign-in form is protected too (double-submit cookie)
    fresh = requests.post(office.url + "/office/login", data={"email": office.users["admin"],
                                                              "password": office.password("admin")}, timeout=30,
                          allow_redirects=False)
    assert fresh.status_code == 403


def test_repeated_wrong_passwords_are_slowed_then_refused_with_429(office):
    email = "throttled@college.example.org"
    admin(office.db_url, "user", "add", email, "--name", "Throttled", "--role", "cuisine", "--site", UAI,
          "--password-stdin", stdin="le-bon-mot-de-passe\n")
    http = requests.Session()
    codes = [sign_in(http, office.url, email, f"wrong-{i}").status_code for i in range(6)]
    assert codes[:5] == [401] * 5 and codes[5] == 429, codes
    locked = sign_in(http, office.url, email, "le-bon-mot-de-passe")
    assert locked.status_code == 429 and int(locked.headers["Retry-After"]) > 0
    assert "Réessayez dans" in locked.text
    # another account from the same address is not locked out
    assert office.session("cuisine").get(office.url + "/office/", timeout=30).status_code == 200


def test_session_cookie_is_httponly_lax_and_secure_behind_https_and_sign_out_ends_it_and_pages_carry_a_csp(office):
    http = requests.Session()
    answer = sign_in(http, office.url, office.users["admin"], office.password("admin"), allow_redirects=False)
    cookie = answer.headers["set-cookie"]
    assert "plateau_office=" in cookie and "HttpOnly" in cookie and "SameSite=lax" in cookie
    assert "Secure" not in cookie
    # behind a reverse proxy on loopback that says the browser came over HTTPS (uvicorn's proxy headers)
    page = requests.get(office.url + "/office/login", headers={"X-Forwarded-Proto": "https"}, timeout=30)
    assert "Secure" in page.headers["set-cookie"]  # the sign-in form's own CSRF cookie too
    answer = requests.post(office.url + "/office/login", headers={"X-Forwarded-Proto": "https"}, timeout=30,
                           cookies=page.cookies.get_dict(),  # requests keeps Secure cookies for https only
                           data={"csrf": csrf_of(page.text), "email": office.users["admin"],
                                 "password": office.password("admin")}, allow_redirects=False)
    assert answer.status_code == 303 and "Secure" in answer.headers["set-cookie"]
    home = http.get(office.url + "/office/", timeout=30)
    for page in (home, http.get(office.url + "/office/today/live", timeout=30),
                 requests.get(office.url + "/office/login", timeout=30)):
        assert page.headers["Content-Security-Policy"] == CSP   # no inline script, no other origin, no frame
    out = http.post(office.url + "/office/logout", data={"csrf": csrf_of(home.text)}, timeout=30)
    assert out.url.endswith("/office/login")
    again = http.get(office.url + "/office/", timeout=30, allow_redirects=False)
    assert again.status_code == 303 and "/office/login" in again.headers["location"]


def test_admin_user_commands_and_a_disabled_user_is_signed_out_at_once(office):
    email = "Secretariat@College.example.org"
    out = admin(office.db_url, "user", "add", email, "--name", "Secrétariat", "--role", "gestionnaire",
                "--site", UAI, "--password-stdin", stdin="un-mot-de-passe-long\n")
    assert "secretariat@college.example.org" in out
    listed = admin(office.db_url, "user", "list", "--site", UAI)
    assert "secretariat@college.example.org\tSecrétariat\tgestionnaire\t0691234X\tactive" in listed
    http = requests.Session()
    assert sign_in(http, office.url, email, "un-mot-de-passe-long").url.endswith("/office/")
    admin(office.db_url, "user", "set-password", email, "--password-stdin", stdin="un-autre-mot-de-passe\n")
    assert http.get(office.url + "/office/", timeout=30, allow_redirects=False).status_code == 303
    assert sign_in(http, office.url, email, "un-autre-mot-de-passe").url.endswith("/office/")
    admin(office.db_url, "user", "disable", email)
    assert http.get(office.url + "/office/", timeout=30, allow_redirects=False).status_code == 303
    assert sign_in(requests.Session(), office.url, email, "un-autre-mot-de-passe").status_code == 401
    assert "disabled" in admin(office.db_url, "user", "list")
    with pytest.raises(RuntimeError, match="at least 10 characters"):
        admin(office.db_url, "user", "add", "x@college.example.org", "--name", "X", "--role", "cuisine",
              "--site", UAI, "--password-stdin", stdin="court\n")
    with pytest.raises(RuntimeError, match="no site"):
        admin(office.db_url, "user", "add", "y@college.example.org", "--name", "Y", "--role", "cuisine",
              "--site", "0000000A", "--password-stdin", stdin="assez-long-mot\n")
    # every change is in the audit log, which the admin reads
    log = office.session("admin").get(office.url + "/office/audit", timeout=30).text
    for action in ("utilisateur créé", "mot de passe changé", "utilisateur désactivé"):
        assert action in log
    assert "secretariat@college.example.org" in log


def test_a_session_idle_too_long_is_over(office):
    from datetime import timedelta

    from plateau.server.db import Database, open_database
    from plateau.server.office_models import WebSession
    from plateau.server.web.sessions import IDLE

    http = office.session("cuisine")
    assert http.get(office.url + "/office/", timeout=30, allow_redirects=False).status_code == 200
    db = Database(open_database(office.db_url))
    try:
        with db.write() as s:
            for row in s.query(WebSession).all():
                row.last_seen_at = row.last_seen_at - IDLE - timedelta(minutes=1)
    finally:
        db.engine.dispose()
    gone = http.get(office.url + "/office/", timeout=30, allow_redirects=False)
    assert gone.status_code == 303 and gone.headers["location"].startswith("/office/login?next=")


def test_pages_are_french_by_default_and_english_on_request(office):
    http = office.session("cuisine")
    assert "Aujourd'hui" in http.get(office.url + "/office/", timeout=30).text.replace("&#39;", "'")
    assert "Cuisine" in http.get(office.url + "/office/", timeout=30).text                # the role, in French
    english = http.get(office.url + "/office/?lang=en", timeout=30)
    assert "Today" in english.text and '<html lang="en">' in english.text and "Kitchen" in english.text
    assert "Today" in http.get(office.url + "/office/", timeout=30).text          # remembered (cookie)
    fresh = requests.get(office.url + "/office/login", headers={"Accept-Language": "en-GB,en;q=0.9"}, timeout=30)
    assert "Sign in to the office" in fresh.text


def test_an_import_previewed_then_applied_and_a_desk_payment(office):
    """The office's own tables on each database: import runs (the file kept between preview and
    apply), reports as JSON, the audit log, a payment."""
    http = office.session("gestionnaire")
    csrf = csrf_of(http.get(office.url + "/office/imports", timeout=30).text)
    csv = "person;last_name;first_name;category;class;plan\nADU-5001;Lefèvre;Anaïs;commensal;;ticket\n"
    preview = http.post(office.url + "/office/imports/preview", data={"csrf": csrf, "kind": "persons"},
                        files={"file": ("adultes.csv", csv.encode())}, timeout=60)
    assert 'data-state="previewed"' in preview.text and "1 nouveaux" in preview.text
    run = preview.url.rsplit("/", 1)[-1]
    applied = http.post(f"{office.url}/office/imports/{run}/apply", data={"csrf": csrf}, timeout=60)
    assert 'data-state="applied"' in applied.text
    again = http.post(f"{office.url}/office/imports/{run}/apply", data={"csrf": csrf}, timeout=60)
    assert again.status_code == 409
    found = http.get(office.url + "/office/persons?q=lefevre anais", timeout=30).text
    person = int(found.split('href="/office/persons/')[1].split('"')[0])
    paid = http.post(f"{office.url}/office/persons/{person}/payments", timeout=30,
                     data={"csrf": csrf, "amount": "20", "means": "transfer", "reference": "VIR-5001"})
    assert "flash=paid" in paid.url and "20,00" in paid.text.split('id="balance">')[1].split("<")[0]
    link = re.search(r'href="(/office/persons/\d+/receipts/\d+)"', paid.text).group(1)
    receipt = http.get(office.url + link, timeout=30)
    assert receipt.status_code == 200 and "Reçu de paiement" in receipt.text and "VIR-5001" in receipt.text
    assert "LEFÈVRE" in receipt.text.upper() and "20,00" in receipt.text.split('id="receipt-amount"')[1][:80]


def test_a_cli_import_is_in_the_office_audit_log(office, tmp_path):
    import subprocess

    from tests.support.server import plateau_cmd

    csv = tmp_path / "adultes.csv"
    csv.write_text("person;last_name;first_name;category;class;plan\nADU-6001;Roux;Inès;commensal;;ticket\n",
                   encoding="utf-8")
    done = subprocess.run(plateau_cmd("import", "persons", str(csv), "--db", office.db_url, "--site", UAI),
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    log = office.session("admin").get(office.url + "/office/audit", timeout=30).text
    assert "cli" in log and "import:persons" in log and "adultes.csv" in log


def test_a_user_sees_only_their_sites_and_a_multi_site_user_switches(office):
    from plateau.server import accounts, audit, store
    from plateau.server.db import Database, open_database

    db = Database(open_database(office.db_url))
    try:
        with db.write() as s:
            b = store.create_site(s, "0699998Y", "Lycée Bis", "Europe/Paris", "Zone C")
            person_b = store.upsert_person(s, b, external_id="B-77", last_name="BÉRANGER", first_name="Lou").id
            accounts.add_user(s, audit.CLI, "departement@example.org", "Département", "admin", [UAI, "0699998Y"],
                              "deux-sites-2026")
    finally:
        db.engine.dispose()
    email = "departement@example.org"
    # a user of site A only: site B's person does not exist for them
    assert office.session("admin").get(f"{office.url}/office/persons/{person_b}", timeout=30).status_code == 404
    http = requests.Session()
    assert sign_in(http, office.url, email, "deux-sites-2026").url.endswith("/office/")
    home = http.get(office.url + "/office/persons", timeout=30).text
    assert '<select id="site-switch" name="site">' in home and "BÉRANGER" not in home
    assert http.get(f"{office.url}/office/persons/{person_b}", timeout=30).status_code == 404
    switched = http.post(office.url + "/office/site", data={"csrf": csrf_of(home), "site": "0699998Y",
                                                             "next": "/office/persons"}, timeout=30)
    assert switched.url.endswith("/office/persons") and "BÉRANGER" in switched.text
    assert http.get(f"{office.url}/office/persons/{person_b}", timeout=30).status_code == 200
    refused = http.post(office.url + "/office/site", data={"csrf": csrf_of(home), "site": "0000000A"}, timeout=30)
    assert refused.status_code == 403


def test_the_headcount_of_another_day(office):
    http = office.session("cuisine")
    day = office.school.today.isoformat()     # the demo's Monday: forfaits and bookings expected
    page = http.get(f"{office.url}/office/?date={day}", timeout=30).text
    assert "Effectifs du lundi 23 novembre 2026" in page and f'/office/today/live?date={day}' in page
    expected = int(page.split('data-figure="expected">')[1].split("<")[0])
    assert expected > 0
    assert "Aujourd" in http.get(f"{office.url}/office/?date=pas-une-date", timeout=30).text.replace("&#39;", "'")


def test_an_unknown_office_page_is_an_html_404(office):
    answer = office.session("cuisine").get(office.url + "/office/nulle-part", timeout=30)
    assert answer.status_code == 404 and "text/html" in answer.headers["content-type"]
    assert "Introuvable" in answer.text
    malformed = office.session("cuisine").get(office.url + "/office/persons/abc", timeout=30)
    assert malformed.status_code == 404 and "text/html" in malformed.headers["content-type"]
    api = requests.get(office.url + "/api/v1/persons/abc", timeout=30)       # the API keeps its JSON errors
    assert api.headers["content-type"].startswith("application/json")


def test_the_persons_list_filters_by_plan_and_class_in_french_order(office):
    http = office.session("gestionnaire")
    school = office.school
    klass = sorted({d["class_name"] for d in school.persons.values() if d["class_name"]})[0]
    page = http.get(f"{office.url}/office/persons?plan=forfait&class={klass}", timeout=30).text
    ids = [int(x) for x in re.findall(r'<a href="/office/persons/(\d+)">', page)]
    wanted = [p for p, d in school.persons.items() if d["plan"] == "forfait" and d["class_name"] == klass
              and d["status"] == "active"]
    assert sorted(ids) == sorted(wanted) and ids
    from plateau.server.web.collation import french_key

    names = [(school.persons[p]["last_name"], school.persons[p]["first_name"]) for p in ids]
    assert names == sorted(names, key=lambda n: french_key(*n))
