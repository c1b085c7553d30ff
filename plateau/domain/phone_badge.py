"""The phone as a badge: the QR payload a phone shows and the station's offline check of its code.

A family turns the phone badge on for a pupil (`PUT /api/v1/family/children/{id}/phone-badge`):
the server draws a new secret and answers the payload template, ``PLT1:<UAI>:<person id>:{code}``.
The phone shows that text as a QR code with ``{code}`` replaced by the RFC 6238 (TOTP, SHA1,
30 s) code of the current time step. The station holds the secret (change feed, kind
``phone_badge``) and checks a read with no network: the code must be one of the codes of the
station's time step ±1 (a phone's clock or the station's a little off), and must be of a later
step than the last code accepted for that pupil (a screenshot passed down the queue is refused).

Pure: no I/O; pyotp computes the codes (a well-kept implementation of RFC 4226/6238).
"""

from __future__ import annotations

import hmac
import re
from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum

import pyotp

PREFIX = "PLT1"           # recognisable by a station, versioned (a later format gets PLT2)
PERIOD_S = 30
DEFAULT_DIGITS = 6
WINDOW_STEPS = 1          # ±1 step of clock drift between the phone and the station
MEDIUM_CARD = "card"
MEDIUM_PHONE = "phone"

_PAYLOAD = re.compile(r"^PLT1:([0-9A-Za-z]{1,16}):([1-9][0-9]{0,9}):([0-9]{6,8})$")


@dataclass(frozen=True)
class PhonePayload:
    """A read phone badge: which site, which pupil, which code (not yet verified)."""

    site_code: str
    person_id: int
    code: str


class Verdict(StrEnum):
    OK = "ok"
    INVALID = "invalid"      # not a code of this secret within ±1 step
    REPLAYED = "replayed"    # a right code, of a step already used


def is_payload(text: str) -> bool:
    """Does this read look like a phone badge (a prefix no card UID can have)?"""
    return text.startswith(PREFIX + ":")


def parse_payload(text: str) -> PhonePayload | None:
    """The payload's parts, or None when it is not a well-formed phone badge."""
    match = _PAYLOAD.match(text.strip())
    if match is None:
        return None
    site_code, person_id, code = match.groups()
    return PhonePayload(site_code.upper(), int(person_id), code)


def payload_template(site_code: str, person_id: int) -> str:
    """The text the phone draws as a QR code, with ``{code}`` in place of the current code."""
    return f"{PREFIX}:{site_code}:{person_id}:{{code}}"


def new_secret() -> str:
    """A fresh base32 secret (160 bits, RFC 4226's recommended length for SHA1)."""
    return pyotp.random_base32(32)


def time_step(at: datetime, period: int = PERIOD_S) -> int:
    if at.tzinfo is None or at.utcoffset() is None:
        raise ValueError("instants must carry a time zone")
    return int(at.timestamp()) // period


def code_at(secret: str, at: datetime, *, digits: int = DEFAULT_DIGITS, period: int = PERIOD_S) -> str:
    """The code a phone shows at `at` (what the portal and apps compute; used by tests)."""
    return pyotp.TOTP(secret, digits=digits, interval=period).at(time_step(at, period) * period)


def verify(secret: str, code: str, at: datetime, last_step: int | None, *, digits: int = DEFAULT_DIGITS,
           period: int = PERIOD_S) -> tuple[Verdict, int | None]:
    """Check `code` against the codes of the steps around `at`: (verdict, the code's step).

    Every step of the window is compared in constant time, so a wrong code costs the same
    whichever step it is closest to. A right code of a step at or before `last_step` (the last
    one accepted for this pupil) is a replay."""
    if len(code) != digits or not code.isdigit():
        return Verdict.INVALID, None
    totp = pyotp.TOTP(secret, digits=digits, interval=period)
    now_step = time_step(at, period)
    found = None
    for step in range(now_step - WINDOW_STEPS, now_step + WINDOW_STEPS + 1):
        if hmac.compare_digest(totp.at(step * period), code) and found is None:
            found = step
    if found is None:
        return Verdict.INVALID, None
    if last_step is not None and found <= last_step:
        return Verdict.REPLAYED, found
    return Verdict.OK, found


@dataclass(frozen=True)
class PhoneSecret:
    """What the station holds for a pupil whose phone badge is on (replica table `phone_badge`)."""

    person_id: int
    secret: str
    digits: int = DEFAULT_DIGITS
    period: int = PERIOD_S
    last_step: int | None = None


def decide_phone(text: str, at: datetime, snap, held: PhoneSecret | None):
    """The decision for a phone badge read as `text` at `at`: (Decision, the step to mark used).

    `snap` is the snapshot of the pupil the payload names (`snap.person` None when the replica
    does not know them) and `held` their secret, None when their phone badge is off. A right,
    unused code goes through the same rules as a card (`rules.decide`), with medium "phone";
    the step is to be stored with the passage when it is accepted."""
    from plateau.domain import rules
    from plateau.domain.reasons import Reason
    from plateau.domain.services import local_time, open_service
    from plateau.domain.snapshot import CardInfo

    site = snap.site
    payload = parse_payload(text)

    def refuse(reason, person=None) -> tuple[rules.Decision, None]:
        local = local_time(at, site.timezone)
        return rules.Decision(False, reason, at, local.date(), open_service(site.services, local), person, None,
                              balance_after_cents=snap.balance_cents if person else None,
                              medium=MEDIUM_PHONE), None

    if payload is None or payload.site_code != site.code.upper():
        return refuse(Reason.PHONE_CODE_INVALID)
    if snap.person is None:
        return refuse(Reason.UNKNOWN_CARD)
    if not site.policy.phone_badge or held is None:
        return refuse(Reason.PHONE_BADGE_OFF)      # nothing verified: no name shown either
    verdict, step = verify(held.secret, payload.code, at, held.last_step, digits=held.digits, period=held.period)
    if verdict is Verdict.INVALID:
        return refuse(Reason.PHONE_CODE_INVALID)   # nobody proved to be this pupil: no name shown
    if verdict is Verdict.REPLAYED:
        return refuse(Reason.PHONE_CODE_REPLAYED, snap.person)
    card = CardInfo(f"phone:{payload.person_id}", payload.person_id, "active")
    decision = rules.decide(None, at, replace(snap, card=card))
    return replace(decision, medium=MEDIUM_PHONE), step
