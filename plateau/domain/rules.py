"""The decision core: may this badge eat now? A pure function of (UID, instant, snapshot).

No Qt, no SQLAlchemy, no I/O. The rules run in the order a canteen expects (docs/operations.md lists the refusals):
card, person, service, closed day, opposition, already served, entitlement, then accept
with warnings. Times are evaluated in the site's time zone.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from datetime import date, datetime

from plateau.domain.holidays import holiday_name
from plateau.domain.policy import CategoryPolicy
from plateau.domain.reasons import PassageKind, Reason, Warning_
from plateau.domain.services import ServiceInfo, local_time, next_service, open_service
from plateau.domain.messages import reason_text, warning_text
from plateau.domain.snapshot import PersonInfo, Snapshot


@dataclass(frozen=True)
class Decision:
    """The answer for one read, and everything needed to record it as a passage."""

    accepted: bool
    reason: Reason
    at: datetime
    local_date: date
    service: ServiceInfo | None
    person: PersonInfo | None
    card_uid: str | None
    price_cents: int = 0
    balance_after_cents: int | None = None
    warnings: tuple[str, ...] = ()
    kind: PassageKind = PassageKind.BADGE
    # what accepting would charge: used when staff override a refusal
    would_charge_cents: int = 0
    details: dict = field(default_factory=dict)
    medium: str = "card"   # how the pupil was identified: card | phone (plateau.domain.phone_badge)

    def message(self, lang: str = "fr") -> str:
        fields = dict(self.details)
        if self.person is not None:
            fields.setdefault("first_name", self.person.first_name)
        fields.setdefault("day", self.local_date)
        return reason_text(self.reason, lang, **fields)

    def warning_messages(self, lang: str = "fr") -> list[str]:
        amounts = {"balance_cents": self.balance_after_cents or 0, "price_cents": self.price_cents,
                   "surcharge_cents": self.details.get("surcharge_cents", 0)}
        return [warning_text(w, lang, **amounts) for w in self.warnings]

    def to_json(self, lang: str = "fr") -> dict:
        """The `plateau check --json` object of docs/protocol.md."""
        return {
            "accepted": self.accepted,
            "reason": str(self.reason),
            "message": self.message(lang),
            "person": self.person.summary() if self.person else None,
            "service": self.service.code if self.service else None,
            "price_cents": self.price_cents,
            "balance_after_cents": self.balance_after_cents,
            "warnings": list(self.warnings),
            "warning_messages": self.warning_messages(lang),
            "card_uid": self.card_uid,
            "at": self.at.isoformat(),
            "local_date": self.local_date.isoformat(),
            "kind": str(self.kind),
            "medium": self.medium,
        }


@dataclass(frozen=True)
class _Charge:
    refusal: Reason | None
    price_cents: int
    from_balance: bool
    warnings: tuple[str, ...] = ()
    details: dict = field(default_factory=dict)


def decide(uid: str | None, at: datetime, snap: Snapshot, *,
           kind: PassageKind = PassageKind.BADGE) -> Decision:
    """Decide for a badge read (`kind=BADGE`, card looked up by `uid`) or for a person chosen by
    staff (`kind=FORGOTTEN`: `snap.person` set, no card)."""
    if at.tzinfo is None or at.utcoffset() is None:
        raise ValueError("instants must carry a time zone")
    site = snap.site
    local = local_time(at, site.timezone)
    today = local.date()
    service = open_service(site.services, local)

    def refuse(reason: Reason, person=None, **details) -> Decision:
        return Decision(False, reason, at, today, service, person, uid,
                        balance_after_cents=snap.balance_cents if person else None,
                        kind=kind, details=details)

    # 1. the card
    if kind is PassageKind.BADGE and (snap.card is None or snap.person is None):
        return refuse(Reason.UNKNOWN_CARD)
    person = snap.person
    if person is None:
        return refuse(Reason.UNKNOWN_CARD)
    policy = site.policy.for_category(person.category)
    # what the plan would charge, computed up front so that a staff override of any refusal
    # (lost card, closed day, ...) charges a ticket meal as a ticket meal
    charge = entitlement(person, policy, snap, today)

    def refuse_with_charge(reason: Reason, **details) -> Decision:
        return replace(refuse(reason, person, **details), would_charge_cents=charge.price_cents)

    if kind is PassageKind.BADGE and snap.card.status != "active":
        return refuse_with_charge(Reason.CARD_BLOCKED, card_status=snap.card.status)

    # 2. the person
    if (person.status != "active"
            or (person.arrival_date is not None and today < person.arrival_date)
            or (person.leaving_date is not None and today > person.leaving_date)):
        return refuse_with_charge(Reason.PERSON_INACTIVE)

    # 3. a service open now
    if service is None:
        nxt = next_service(site.services, local)
        details = {"next_label": nxt.label, "next_start": nxt.start.strftime("%H:%M")} if nxt else {}
        return refuse_with_charge(Reason.NO_SERVICE, **details)

    # 4. closed day: public holiday or closure
    closure = closed_day_label(today, snap)
    if closure is not None:
        return refuse_with_charge(Reason.CLOSED_DAY, closure=closure)

    # 5. opposition covering the instant
    for opp in snap.oppositions:
        if opp.starts_at <= at < opp.ends_at:
            # the source too: the pupil screen shows only where to go, staff see the motive
            return refuse_with_charge(Reason.OPPOSITION, motive=opp.motive or opp.source, source=opp.source)

    # 6. already served in this service today, at any station of the site
    if len(snap.served) >= policy.max_passages_per_service:
        last = max(snap.served, key=lambda s: s.at)
        served_local = local_time(last.at, site.timezone)
        return refuse_with_charge(Reason.ALREADY_SERVED, served_at=served_local.strftime("%H:%M"),
                                  served_station=last.station, served_passage=last.passage_id)

    # 7. entitlement by plan
    if charge.refusal is not None:
        return refuse_with_charge(charge.refusal, **charge.details)

    # 8. accept
    return _accept(at, today, service, person, uid, snap, policy, charge, kind)


def entitlement(person: PersonInfo, policy: CategoryPolicy, snap: Snapshot, today: date) -> _Charge:
    """Rule 7: what the person's plan allows today, and what it costs."""
    price = snap.site.prices.get(person.category, snap.site.prices.get("default", 0))
    if person.plan == "forfait":
        if today.weekday() in person.forfait_days:
            return _Charge(None, 0, False)
        if policy.forfait_off_day == "ticket":
            return _ticket(price, policy, snap, (Warning_.CHARGED_AS_TICKET,))
        return _Charge(Reason.NOT_REGISTERED_TODAY, price, True, details={"day": today})
    if person.plan == "reservation":
        if snap.has_reservation:
            return _Charge(None, 0, False) if policy.reservation_prepaid else _ticket(price, policy, snap)
        if policy.no_reservation == "surcharge":
            surcharge = policy.unreserved_surcharge_cents
            return _ticket(price + surcharge, policy, snap, (Warning_.UNRESERVED_SURCHARGE,),
                           {"surcharge_cents": surcharge})
        return _Charge(Reason.NO_RESERVATION, price, True)
    if person.plan == "ticket":
        return _ticket(price, policy, snap)
    return _Charge(Reason.NOT_REGISTERED_TODAY, price, True, details={"day": today})


def _ticket(price: int, policy: CategoryPolicy, snap: Snapshot, warnings=(), details=None) -> _Charge:
    details = dict(details or {})
    after = snap.balance_cents - price
    if after < -policy.overdraft_cents:
        return _Charge(Reason.INSUFFICIENT_BALANCE, price, True, warnings,
                       {**details, "balance_cents": snap.balance_cents})
    if policy.max_meals_on_credit >= 0 and after < 0 and price > 0:
        owed = math.ceil(-after / price)
        if owed > policy.max_meals_on_credit:
            return _Charge(Reason.INSUFFICIENT_BALANCE, price, True, warnings,
                           {**details, "balance_cents": snap.balance_cents})
    return _Charge(None, price, True, tuple(warnings), details)


def _accept(at, today, service, person, uid, snap, policy, charge: _Charge, kind) -> Decision:
    balance_after = snap.balance_cents - (charge.price_cents if charge.from_balance else 0)
    warnings = list(charge.warnings)
    if charge.from_balance or person.plan == "ticket":
        if balance_after < 0:
            warnings.append(Warning_.NEGATIVE_BALANCE)
        elif balance_after < policy.low_balance_cents:
            warnings.append(Warning_.LOW_BALANCE)
    return Decision(True, Reason.OK, at, today, service, person, uid,
                    price_cents=charge.price_cents if charge.from_balance else 0,
                    balance_after_cents=balance_after, warnings=tuple(str(w) for w in warnings),
                    kind=kind, would_charge_cents=charge.price_cents, details=dict(charge.details))


def closed_day_label(day: date, snap: Snapshot) -> str | None:
    """The reason the canteen is closed on `day` (public holiday or closure), else None."""
    name = holiday_name(day, snap.site.policy.alsace_moselle)
    if name:
        return name
    for first, last, label in snap.closures:
        if first <= day <= last:
            return label or "fermeture"
    return None


def override(refused: Decision, *, staff_id: int, motive: str, at: datetime | None = None) -> Decision:
    """Staff let in a refused person: a new accepted decision, linked by the caller to the refusal.

    It charges what the plan would have charged (a ticket meal stays a ticket meal)."""
    if refused.accepted:
        raise ValueError("only a refusal can be overridden")
    if refused.person is None:
        raise ValueError("an unknown badge cannot be overridden: use the forgotten-badge search")
    if not motive or not motive.strip():
        raise ValueError("an override needs a motive")
    at = at or refused.at
    price = refused.would_charge_cents
    balance = refused.balance_after_cents if refused.balance_after_cents is not None else 0
    after = balance - price
    return Decision(True, Reason.OK, at, refused.local_date, refused.service, refused.person,
                    refused.card_uid, price_cents=price, balance_after_cents=after,
                    warnings=(str(Warning_.NEGATIVE_BALANCE),) if after < 0 else (),
                    kind=PassageKind.OVERRIDE, would_charge_cents=price,
                    details={"staff_id": staff_id, "motive": motive.strip(),
                             "overrides_reason": str(refused.reason)})
