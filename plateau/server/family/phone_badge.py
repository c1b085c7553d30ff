"""The phone as a badge on the server: turning it on (a new secret each time) and off.

The secret of each pupil whose phone badge is on lives in `phone_badge` and reaches the site's
stations through the change feed (kind `phone_badge`: upsert on each new secret, delete when
turned off), which check the codes offline (plateau.domain.phone_badge). A new secret replaces
the old one at once here and at each station on its next sync: a lost phone's codes stop working.
The family (API, portal) and the office may both turn it on or off; the site decides whether
families may use it at all (site setting `phone_badge`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from plateau.domain import phone_badge as pb
from plateau.domain.policy import policy_from_settings
from plateau.server import feed
from plateau.server import models as m


class NotAllowed(Exception):
    """The site does not allow phone badges (its `phone_badge` setting is off)."""


@dataclass(frozen=True)
class Issued:
    """What the phone needs, once: the secret and how to show its codes (docs/protocol.md)."""

    secret: str
    digits: int
    period: int
    payload: str
    algorithm: str = "SHA1"


def allowed(site: m.Site) -> bool:
    return policy_from_settings(site.settings or {}).phone_badge


def turn_on(s: Session, site: m.Site, person: m.Person, by: str, now: datetime) -> Issued:
    """A new secret for the pupil (the old one, if any, stops working), emitted to the stations."""
    policy = policy_from_settings(site.settings or {})
    if not policy.phone_badge:
        raise NotAllowed(f"site {site.code} does not allow phone badges")
    row = s.get(m.PhoneBadge, person.id)
    if row is None:
        row = m.PhoneBadge(person_id=person.id, site_id=site.id)
        s.add(row)
    row.secret, row.digits, row.period = pb.new_secret(), policy.phone_badge_digits, pb.PERIOD_S
    row.issued_at, row.issued_by = now, by
    s.flush()
    feed.emit(s, site.id, "phone_badge", "upsert", feed.phone_badge_data(row))
    return Issued(row.secret, row.digits, row.period, pb.payload_template(site.code, person.id))


def turn_off(s: Session, site: m.Site, person: m.Person) -> bool:
    """Revoke the pupil's phone badge (the stations refuse its codes after their next sync);
    False when it was already off."""
    row = s.get(m.PhoneBadge, person.id)
    if row is None:
        return False
    s.delete(row)
    feed.emit(s, site.id, "phone_badge", "delete", key=str(person.id))
    return True


def status(s: Session, person_id: int) -> m.PhoneBadge | None:
    return s.get(m.PhoneBadge, person_id)

