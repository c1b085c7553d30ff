"""The station's service layer: badge, forgotten badge, override, cancel, declare a card lost.

Each service is one unit of work on the replica (`plateau.db.unit_of_work`): take the write lock
(BEGIN IMMEDIATE), read the snapshot, decide with the pure rules (`plateau.domain.rules`), append
the passage and its outbox entry, commit with ``synchronous=FULL``. The passage is on disk before
anyone sees the answer, and two processes recording on the same file cannot both give a pupil a
"first meal" (the second waits for the lock, then sees the first passage).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace
from datetime import date, datetime

from sqlalchemy import Engine

from plateau.db.unit_of_work import UnitOfWork
from plateau.domain import rules
from plateau.domain.clock import check_clock
from plateau.domain.phone_badge import decide_phone, is_payload, parse_payload
from plateau.domain.reasons import PassageKind, Reason
from plateau.domain.rules import Decision
from plateau.domain.snapshot import SiteInfo
from plateau.errors import UserError

log = logging.getLogger(__name__)


class PassageError(UserError, ValueError):
    """A staff action that cannot be recorded (message for a person)."""


class CardActionError(UserError):
    """A card action that cannot be done (message for a person)."""


@dataclass(frozen=True)
class Recorded:
    """A decision and the id of the passage that records it."""

    decision: Decision
    passage_id: str


class Recorder:
    """Decides and records passages for one station. Used from one thread at a time (the kiosk's
    "kiosk-db" worker, `plateau pass`); several processes may record on the same file at once.
    It keeps one connection between badges; `close()` gives it back."""

    def __init__(self, engine: Engine, station: str):
        self.station = station
        self.uow = UnitOfWork(engine, keep_connection=True)

    def close(self) -> None:
        self.uow.close()

    # -- reads ------------------------------------------------------------------------------
    def site(self) -> SiteInfo:
        """The site, its services and prices (cached until the sync daemon changes them)."""
        with self.uow.reading() as uow:
            return uow.site()

    def check(self, uid: str, at: datetime) -> Decision:
        """The decision for `uid` (or a phone badge's text) at `at`, recording nothing (`plateau check`)."""
        with self.uow.reading() as uow:
            if is_payload(uid):
                return _phone_decision(uow, uid, at)[0]
            return rules.decide(uid, at, uow.card_snapshot(uid, at))

    # -- writes -----------------------------------------------------------------------------
    def badge(self, uid: str, at: datetime) -> Recorded:
        """Record the passage of a badge read: a card's UID, or a phone badge's text
        (plateau.domain.phone_badge), whose accepted code's step is marked used with the passage."""
        check_clock(at)
        with self.uow.writing() as uow:
            if is_payload(uid):
                decision, step = _phone_decision(uow, uid, at)
                if decision.accepted and step is not None:
                    uow.use_phone_step(decision.person.id, step)
            else:
                decision = rules.decide(uid, at, uow.card_snapshot(uid, at))
            pid = uow.add_passage(decision, self.station)
            uow.commit()
        log.info("passage station=%s id=%s uid=%s person=%s reason=%s price=%s medium=%s", self.station, pid,
                 "phone" if is_payload(uid) else uid, decision.person.id if decision.person else None,
                 decision.reason, decision.price_cents, decision.medium)
        return Recorded(decision, pid)

    def forgotten(self, person_id: int, at: datetime, staff_id: int) -> Recorded:
        """Staff found the person by name: the same rules, without a card."""
        check_clock(at)
        with self.uow.writing() as uow:
            snap = uow.person_snapshot(person_id, at)
            if snap.person is None:
                raise PassageError(f"unknown person {person_id}")
            decision = rules.decide(None, at, snap, kind=PassageKind.FORGOTTEN)
            pid = uow.add_passage(decision, self.station, staff_id=staff_id)
            uow.commit()
        log.info("passage station=%s id=%s forgotten person=%s staff=%s reason=%s", self.station, pid,
                 person_id, staff_id, decision.reason)
        return Recorded(decision, pid)

    def override(self, refused_id: str, staff_id: int, motive: str, at: datetime) -> Recorded:
        """Let in a refused person: a new passage linked to the refusal, with staff and motive.

        The refusal is decided again at `at` against the current replica (so the price and
        balance are today's, and a second override of the same refusal is refused)."""
        check_clock(at)
        with self.uow.writing() as uow:
            refused = uow.passage(refused_id)
            if refused is None:
                raise PassageError("no such passage to override")
            if refused.accepted or refused.kind in (PassageKind.CANCEL, PassageKind.OVERRIDE):
                raise PassageError("only a refused passage can be overridden")
            if refused.person_id is None:
                raise PassageError("an unknown badge cannot be overridden: use the forgotten-badge search")
            if uow.is_linked(refused_id, PassageKind.OVERRIDE):
                raise PassageError("this refusal was already overridden")
            snap = uow.person_snapshot(refused.person_id, at)
            again = rules.decide(None, datetime.fromisoformat(refused.at), snap, kind=PassageKind.FORGOTTEN)
            if again.accepted:  # e.g. a top-up arrived meanwhile: charge as a normal meal
                again = Decision(False, Reason(refused.reason), again.at, again.local_date, again.service,
                                 again.person, refused.card_uid, balance_after_cents=snap.balance_cents,
                                 would_charge_cents=again.price_cents)
            decision = replace(rules.override(again, staff_id=staff_id, motive=motive, at=at),
                               card_uid=refused.card_uid)
            pid = uow.add_passage(decision, self.station, staff_id=staff_id, motive=motive.strip(), ref=refused_id)
            uow.commit()
        log.info("passage station=%s id=%s override of=%s staff=%s motive=%r", self.station, pid, refused_id,
                 staff_id, motive)
        return Recorded(decision, pid)

    def cancel(self, passage_id: str, staff_id: int, motive: str, at: datetime) -> Recorded:
        """Cancel an accepted passage made by mistake: a linked record that refunds its price."""
        check_clock(at)
        with self.uow.writing() as uow:
            row = uow.passage(passage_id)
            if row is None:
                raise PassageError("no such passage to cancel")
            if not row.accepted or row.kind == PassageKind.CANCEL:
                raise PassageError("only an accepted passage can be cancelled")
            if uow.is_linked(passage_id, PassageKind.CANCEL):
                raise PassageError("this passage was already cancelled")
            site = uow.site()
            snap = uow.person_snapshot(row.person_id, at) if row.person_id else None
            balance = snap.balance_cents + row.price_cents if snap else None
            service = next((s for s in site.services if s.code == row.service), None)
            decision = Decision(True, Reason.OK, at, date.fromisoformat(row.local_date), service,
                                snap.person if snap else None, row.card_uid, price_cents=-row.price_cents,
                                balance_after_cents=balance, kind=PassageKind.CANCEL)
            pid = uow.add_passage(decision, self.station, staff_id=staff_id, motive=motive, ref=passage_id)
            uow.commit()
        log.info("passage station=%s id=%s cancel of=%s staff=%s", self.station, pid, passage_id, staff_id)
        return Recorded(decision, pid)

    def declare_lost(self, uid: str, staff_id: int, at: datetime) -> str:
        """Block the card at once here and queue the event for the server, in one transaction;
        returns the event id. The sync daemon pushes it (`POST /sync/card-events`) and the server
        blocks the card for every station of the site."""
        with self.uow.writing() as uow:
            card = uow.card(uid)
            if card is None:
                raise CardActionError("unknown card")
            if card.status == "lost":
                raise CardActionError("this card is already declared lost")
            event_id = uow.block_card(card, "lost", station=self.station, staff_id=staff_id, at=at)
            uow.commit()
        log.info("card declared lost station=%s uid=%s staff=%s event=%s", self.station, uid, staff_id, event_id)
        return event_id


def _phone_decision(uow: UnitOfWork, text: str, at: datetime) -> tuple[Decision, int | None]:
    """A phone badge's decision inside `uow`'s transaction: the pupil the payload names, their
    secret, the rules (plateau.domain.phone_badge.decide_phone)."""
    payload = parse_payload(text)
    if payload is None:
        return decide_phone(text, at, uow.person_snapshot(0, at), None)
    snap = uow.person_snapshot(payload.person_id, at)
    return decide_phone(text, at, snap, uow.phone_secret(payload.person_id))
