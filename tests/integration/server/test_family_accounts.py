"""Family accounts: invitations and activation, `set-password`, password reset through a real
local SMTP server, and wrong sign-ins slowed to 429 per account and per address."""

from __future__ import annotations

import os
import re
import subprocess
from datetime import datetime, timedelta, timezone

import pytest

from plateau.server.throttle import Throttle
from tests.integration.server.family_world import PARIS, Inbox, world  # noqa: F401 (fixture)
from tests.support.server import plateau_cmd

FAMILY = "/api/v1/family"
CODE = re.compile(r"\b[A-Z2-9]{5}-[A-Z2-9]{5}\b")


def admin(world, *args, stdin=None, env=None):
    return subprocess.run(plateau_cmd("admin", "--db", world.db_url, *args), input=stdin, capture_output=True,
                          text=True, timeout=60, env={**os.environ, **(env or {})})


@pytest.fixture
def inbox(world):
    with Inbox() as box:
        world.app.state.family_mail = box.settings()
        yield box
    world.app.state.family_mail = None


@pytest.fixture(autouse=True)
def fresh_throttle(world):
    world.clock.set(datetime(2026, 11, 23, 9, 0, tzinfo=PARIS))
    Throttle(world.db).clear()   # the failures of one test do not lock the next one out
    yield
    Throttle(world.db).clear()


def body_of(message) -> str:
    return message.get_body(preferencelist=("plain",)).get_content()


def test_invite_prints_the_link_and_mails_it_and_the_code_activates_once(world, inbox):
    done = admin(world, "family", "invite", "Petit@Example.org", env=inbox.env())
    assert done.returncode == 0, done.stderr
    link = done.stdout.strip().splitlines()[-1]
    code = link.split("code=")[1]
    assert link == f"https://famille.example.org/famille/activer?code={code}" and CODE.fullmatch(code)
    [(to, message)] = inbox.messages
    assert to == ["petit@example.org"] and message["From"] == "cantine@example.org"
    assert code in body_of(message) and link in body_of(message)
    r = world.post(f"{FAMILY}/activation", {"code": code.lower(), "password": "une phrase de passe"})
    assert r.status_code == 200 and r.json() == {"status": "password_set", "email": "petit@example.org"}
    world.sign_in("petit@example.org", "une phrase de passe")
    again = world.post(f"{FAMILY}/activation", {"code": code, "password": "une autre phrase"})
    assert again.status_code == 400 and again.json()["error"] == "invalid_code"


def test_an_activation_code_expires(world):
    done = admin(world, "family", "invite", "durand@example.org")
    assert done.returncode == 0, done.stderr
    code = done.stdout.strip().splitlines()[-1].split("code=")[1]
    world.clock.set(datetime.now(timezone.utc) + timedelta(days=30, seconds=5))  # the CLI dates it by the real clock
    r = world.post(f"{FAMILY}/activation", {"code": code, "password": "trop tard pour ça"})
    assert r.status_code == 400 and "expired" in r.json()["reason"]


def test_invite_refuses_an_email_no_guardian_has(world):
    done = admin(world, "family", "invite", "nobody@example.org")
    assert done.returncode != 0 and "no guardian" in done.stderr and "Traceback" not in done.stderr


def test_set_password_from_stdin(world):
    done = admin(world, "family", "set-password", "durand@example.org", "--password-stdin",
                 stdin="mot de passe du père\n")
    assert done.returncode == 0, done.stderr
    world.sign_in("durand@example.org", "mot de passe du père")
    short = admin(world, "family", "set-password", "durand@example.org", "--password-stdin", stdin="court\n")
    assert short.returncode != 0 and "10 to 200 characters" in short.stderr


def test_password_reset_mails_a_one_time_code_and_ends_the_old_sessions(world, inbox):
    old_token = world.sign_in("martin@example.org")
    unknown = world.post(f"{FAMILY}/password-reset", {"email": "stranger@example.org"})
    assert unknown.status_code == 202 and unknown.json() == {"status": "accepted"}
    assert inbox.messages == []                      # nothing sent, and the answer told nothing
    r = world.post(f"{FAMILY}/password-reset", {"email": "MARTIN@example.org"})
    assert r.status_code == 202
    [(to, message)] = inbox.messages
    assert to == ["martin@example.org"] and "nouveau mot de passe" in message["Subject"]
    code = CODE.search(body_of(message)).group(0)
    done = world.post(f"{FAMILY}/password-reset/confirm", {"code": code, "password": "nouvelle phrase secrète"})
    assert done.status_code == 200, done.text
    assert world.post(f"{FAMILY}/session", {"email": "martin@example.org",
                                            "password": "correct horse battery"}).status_code == 401
    assert world.get(f"{FAMILY}/children", old_token).status_code == 401
    world.sign_in("martin@example.org", "nouvelle phrase secrète")
    reused = world.post(f"{FAMILY}/password-reset/confirm", {"code": code, "password": "encore une autre"})
    assert reused.status_code == 400
    admin(world, "family", "set-password", "martin@example.org", "--password-stdin", stdin="correct horse battery\n")


def test_wrong_passwords_are_refused_then_429_per_account(world):
    for _ in range(5):
        r = world.post(f"{FAMILY}/session", {"email": "petit@example.org", "password": "wrong guess!"})
        assert r.status_code == 401 and r.json()["error"] == "unauthorized"
    admin(world, "family", "set-password", "petit@example.org", "--password-stdin", stdin="le bon mot de passe\n")
    r = world.post(f"{FAMILY}/session", {"email": "petit@example.org", "password": "le bon mot de passe"})
    assert r.status_code == 429 and r.json()["error"] == "too_many_requests"    # even the right one, for now
    assert 0 < int(r.headers["Retry-After"]) <= 15 * 60
    other = world.post(f"{FAMILY}/session", {"email": "nobody@example.org", "password": "x" * 12})
    assert other.status_code == 401                  # another account from the same address: not yet blocked


def test_wrong_passwords_from_one_address_are_refused_429_whatever_the_account(world):
    for n in range(20):
        r = world.post(f"{FAMILY}/session", {"email": f"guess{n}@example.org", "password": "x" * 12})
        assert r.status_code == 401
    r = world.post(f"{FAMILY}/session", {"email": "guess-more@example.org", "password": "x" * 12})
    assert r.status_code == 429


def test_a_family_without_email_activates_the_code_of_its_letter(world):
    from plateau.server.imports.runner import run_import
    from tests.integration.server.family_world import GUARDIANS_CSV, SITE_A

    with_letter = GUARDIANS_CSV + "G-NOMAIL;;MARTIN;Paul;P-TOM;0\n"
    assert run_import(world.db, SITE_A, "guardians", with_letter.encode()).applied
    done = admin(world, "family", "letter", SITE_A, "G-NOMAIL")
    assert done.returncode == 0, done.stderr
    code = done.stdout.strip().splitlines()[-1]
    assert CODE.fullmatch(code)
    no_email = world.post(f"{FAMILY}/activation", {"code": code, "password": "papa sans courriel"})
    assert no_email.status_code == 422 and "e-mail" in no_email.json()["reason"]
    taken = world.post(f"{FAMILY}/activation", {"code": code, "password": "papa sans courriel",
                                                "email": "martin@example.org"})
    assert taken.status_code == 422 and "already has an account" in taken.json()["reason"]
    r = world.post(f"{FAMILY}/activation", {"code": code, "password": "papa sans courriel",
                                            "email": "Paul.Martin@example.org"})
    assert r.status_code == 200 and r.json()["email"] == "paul.martin@example.org", r.text
    token = world.sign_in("paul.martin@example.org", "papa sans courriel")
    kids = world.get(f"{FAMILY}/children", token).json()
    assert [(k["first_name"], k["financial"]) for k in kids] == [("Tom", False)]
    # the next import (still without an e-mail for him) keeps the address he gave
    assert run_import(world.db, SITE_A, "guardians", with_letter.encode()).applied
    assert world.get(f"{FAMILY}/children", token).status_code == 200
    assert world.post(f"{FAMILY}/activation", {"code": code, "password": "encore une fois",
                                               "email": "x@example.org"}).status_code == 400
