"""Espace Famille accounts through the pages, on a real server with a real local SMTP server:
activation with the code `plateau admin family invite` prints, a password reset by e-mail, a
password change on the account page (the other sessions end), and sessions that expire."""

from __future__ import annotations

import html
import re
from datetime import datetime, timedelta, timezone

import pytest
import requests

from tests.integration.server.family_world import Inbox
from tests.support.server import admin, running_server
from tests.web.conftest import csrf_of
from tests.web.famille_world import OTHER_FAMILY, PASSWORD, TEST_FAMILY, FamilleEnv, build, sign_in


@pytest.fixture(scope="module")
def env(tmp_path_factory):
    db_url = str(tmp_path_factory.mktemp("famille-accounts") / "server.db")
    school, booked, second, other = build(db_url)
    with Inbox() as inbox, running_server(db_url, env=inbox.env()) as srv:
        yield FamilleEnv(srv.url, db_url, school, booked, second, other), inbox


def text(r: requests.Response) -> str:
    return html.unescape(r.text)


def body_of(message) -> str:
    return message.get_body(preferencelist=("plain",)).get_content()


def test_activation_with_the_invitations_code(env):
    famille, inbox = env
    link = admin(famille.db_url, "family", "invite", OTHER_FAMILY).strip().splitlines()[-1]
    code = link.split("code=")[1]
    http = requests.Session()
    form = http.get(f"{famille.url}/famille/activer?code={code}", timeout=30)
    assert f'value="{code}"' in form.text                              # the e-mail's link fills the code in
    short = http.post(famille.url + "/famille/activer", timeout=30, data={
        "csrf": csrf_of(form.text), "code": code, "password": "court", "password2": "court"})
    assert short.status_code == 422 and "10 à 200 caractères" in text(short)
    done = http.post(famille.url + "/famille/activer", timeout=30, data={
        "csrf": csrf_of(form.text), "code": code, "password": "mon nouveau mot de passe",
        "password2": "mon nouveau mot de passe"})
    assert done.url.endswith("/famille/login?fait=mot-de-passe") and "mot de passe est enregistré" in text(done)
    assert sign_in(requests.Session(), famille.url, OTHER_FAMILY, "mon nouveau mot de passe").url.endswith("/famille/")
    again = http.post(famille.url + "/famille/activer", timeout=30, data={
        "csrf": csrf_of(form.text), "code": code, "password": "encore une phrase", "password2": "encore une phrase"})
    assert again.status_code == 400 and "déjà utilisé ou expiré" in text(again)


def test_a_password_reset_by_email_ends_the_open_sessions(env):
    famille, inbox = env
    before = famille.session()                                          # a session on another device
    http = requests.Session()
    page = http.get(famille.url + "/famille/mot-de-passe-oublie", timeout=30)
    asked = http.post(famille.url + "/famille/mot-de-passe-oublie", timeout=30,
                      data={"csrf": csrf_of(page.text), "email": TEST_FAMILY})
    assert asked.status_code == 200 and "un e-mail avec un code" in text(asked)
    unknown = http.post(famille.url + "/famille/mot-de-passe-oublie", timeout=30,
                        data={"csrf": csrf_of(page.text), "email": "inconnu@example.org"})
    assert text(unknown).count("un e-mail avec un code") == 1            # the same answer: nothing is told
    [(to, message)] = [(t, msg) for t, msg in inbox.messages if t == [TEST_FAMILY]]
    code = re.search(r"mot-de-passe\?code=([A-Z0-9-]+)", body_of(message)).group(1)
    form = http.get(f"{famille.url}/famille/mot-de-passe?code={code}", timeout=30)
    done = http.post(famille.url + "/famille/mot-de-passe", timeout=30, data={
        "csrf": csrf_of(form.text), "code": code, "password": "la phrase de secours", "password2": "la phrase de secours"})
    assert done.url.endswith("/famille/login?fait=mot-de-passe")
    assert before.get(famille.url + "/famille/", allow_redirects=False, timeout=30).status_code == 303
    assert sign_in(requests.Session(), famille.url, TEST_FAMILY, PASSWORD).status_code == 401
    assert sign_in(requests.Session(), famille.url, TEST_FAMILY, "la phrase de secours").url.endswith("/famille/")
    _set_password(famille, TEST_FAMILY, PASSWORD)


def _set_password(famille, email: str, password: str) -> None:
    admin(famille.db_url, "family", "set-password", email, "--password-stdin", stdin=password + "\n")


def test_changing_the_password_on_the_account_page(env):
    famille, _inbox = env
    other_device, http = famille.session(), famille.session()
    csrf = csrf_of(http.get(famille.url + "/famille/compte", timeout=30).text)
    wrong = http.post(famille.url + "/famille/compte/mot-de-passe", timeout=30, data={
        "csrf": csrf, "current": "pas le bon", "password": "une phrase toute neuve", "password2": "une phrase toute neuve"})
    assert wrong.status_code == 422 and "mot de passe actuel est incorrect" in text(wrong)
    done = http.post(famille.url + "/famille/compte/mot-de-passe", timeout=30, data={
        "csrf": csrf, "current": PASSWORD, "password": "une phrase toute neuve", "password2": "une phrase toute neuve"})
    assert done.status_code == 200 and "mot de passe est changé" in text(done)
    assert http.get(famille.url + "/famille/", allow_redirects=False, timeout=30).status_code == 200  # this one stays
    assert other_device.get(famille.url + "/famille/", allow_redirects=False, timeout=30).status_code == 303
    _set_password(famille, TEST_FAMILY, PASSWORD)


def test_a_session_expires(env):
    from sqlalchemy import update

    from plateau.server.db import Database, open_database
    from plateau.server.office_models import WebSession

    famille, _inbox = env
    http = famille.session()
    assert http.get(famille.url + "/famille/", allow_redirects=False, timeout=30).status_code == 200
    db = Database(open_database(famille.db_url))
    with db.write() as s:   # as if the last request were 3 hours ago (idle limit: 2 hours)
        s.execute(update(WebSession).where(WebSession.realm == "famille").values(
            last_seen_at=datetime.now(timezone.utc) - timedelta(hours=3)))
    db.engine.dispose()
    r = http.get(famille.url + "/famille/calendrier", allow_redirects=False, timeout=30)
    assert r.status_code == 303 and r.headers["location"] == "/famille/login?next=/famille/calendrier"
