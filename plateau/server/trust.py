"""What a station may have decided: the server's check of pushed passages against its own data.

A station decides offline and reports; the server is the authority on money. Each NEW pushed
passage (a replay of a stored one is a `duplicate` before it gets here) is checked against what
the server knows, and refused per item with a reason code when the station cannot have decided
it (a bug, a tampered replica, a stolen token):

- `inconsistent_reason`: accepted with a refusal reason, or refused with `ok`;
- `negative_price`: only a cancel refunds (its price is minus the cancelled passage's);
- `refusal_charged`: a refusal never costs anything (price 0);
- `price_not_a_tariff`: a positive price must be a price the person's category tariff (or the
  `default` tariff, which the station falls back to) had at some moment in the last
  `price_history_days` days (a site setting, 7 by default: a station offline for a few days
  charges the tariff it holds), possibly plus the category's current unreserved surcharge;
- a cancel must name (`ref`) an accepted passage of the same site and person, not a cancel, and
  refund exactly its price, once: `cancel_of_unknown_passage`, `cancel_of_another_person`,
  `not_cancellable`, `cancel_amount_mismatch`, `already_cancelled`;
- an override must name a refusal of the same site and person, once:
  `override_of_unknown_passage`, `override_of_another_person`, `not_overridable`,
  `already_overridden`.

A price of 0 on an accepted passage is accepted: it moves no money (a forfait day, a prepaid
reservation), and the station's view of a plan may lag the server's by a sync.
The server checks that an amount is one the site's tariffs and settings allow for the person's
category; it does not decide the passage again (that needs the station's view, at that instant,
of the person's plan, bookings and balance, which may lag the server's by a sync): a station
charging a forfait pupil the ticket price on a forfait day is not caught here. What it cannot
do is credit anyone, charge an amount no tariff had, or refund a meal twice.

Refused items are kept in `rejected_item` (station, raw item, code, reason, time) by
`record_rejections`, in the push's own transaction, so that the office sees them. Runs on the
request thread of the push, inside its unit of work.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Iterable

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from plateau.domain.policy import policy_from_settings
from plateau.domain.reasons import PassageKind
from plateau.server import feed
from plateau.server import models as m

RAW_MAX = 4000  # characters of a rejected item kept (the rest is cut)


class ItemRejected(ValueError):
    """One pushed item the server refuses: a reason `code` for programs, a sentence for people."""

    def __init__(self, code: str, reason: str):
        super().__init__(reason)
        self.code, self.reason = code, reason

    def result(self, item_id: str) -> dict:
        """The item's answer; its id as sent, made safe to send back (JSON in UTF-8)."""
        return {"id": storable(item_id, 64), "status": "rejected", "error": self.reason, "code": self.code}


# --- the tariff history --------------------------------------------------------------------------

def record_tariff(session: Session, site_id: int, category: str, price_cents: int,
                  at: datetime | None = None) -> None:
    """Note that `category` costs `price_cents` from `at` on (closing its previous price)."""
    at = at or feed.now()
    current = session.execute(select(m.TariffHistory).where(
        m.TariffHistory.site_id == site_id, m.TariffHistory.category == category,
        m.TariffHistory.valid_until.is_(None))).scalars().all()
    if len(current) == 1 and current[0].price_cents == price_cents:
        return
    session.execute(update(m.TariffHistory).where(
        m.TariffHistory.site_id == site_id, m.TariffHistory.category == category,
        m.TariffHistory.valid_until.is_(None)).values(valid_until=at))
    session.add(m.TariffHistory(site_id=site_id, category=category, price_cents=price_cents, valid_from=at))
    session.flush()


@dataclass(frozen=True)
class _Tariff:
    category: str
    price_cents: int
    valid_from: datetime


class Prices:
    """The prices a station may have charged each category at a site, as of `now`."""

    def __init__(self, session: Session | None, site: m.Site, now: datetime, rows: list | None = None):
        """`rows`: the site's tariff history (`prices_of`, which reads several sites at once);
        else read here."""
        policy = policy_from_settings(site.settings or {})
        self.policy = policy
        self.window_start = now - timedelta(days=policy.price_history_days)
        if rows is None:
            rows = session.execute(select(m.TariffHistory.category, m.TariffHistory.price_cents,
                                          m.TariffHistory.valid_from).where(
                m.TariffHistory.site_id == site.id,
                or_(m.TariffHistory.valid_until.is_(None), m.TariffHistory.valid_until >= self.window_start))).all()
        self.rows = [_Tariff(*r) for r in rows]
        self._cache: dict[str, frozenset[int]] = {}

    def allowed(self, category: str) -> frozenset[int]:
        if category not in self._cache:
            own = [t for t in self.rows if t.category == category]
            bases = {t.price_cents for t in own}
            # no tariff of its own during the whole window: the station priced it by `default`
            if not any(t.valid_from <= self.window_start for t in own):
                bases |= {t.price_cents for t in self.rows if t.category == "default"}
            surcharge = self.policy.for_category(category).unreserved_surcharge_cents
            self._cache[category] = frozenset(bases | {b + surcharge for b in bases})
        return self._cache[category]


def prices_of(session: Session, sites: list[m.Site], now: datetime) -> dict[int, Prices]:
    """`Prices` of several sites from one read of their tariff histories (a group commit)."""
    oldest = now - timedelta(days=max(policy_from_settings(s.settings or {}).price_history_days for s in sites))
    rows: dict[int, list] = {s.id: [] for s in sites}
    for site_id, *row in session.execute(select(
            m.TariffHistory.site_id, m.TariffHistory.category, m.TariffHistory.price_cents,
            m.TariffHistory.valid_from, m.TariffHistory.valid_until).where(
            m.TariffHistory.site_id.in_(list(rows)),
            or_(m.TariffHistory.valid_until.is_(None), m.TariffHistory.valid_until >= oldest))):
        rows[site_id].append(row)
    out = {}
    for site in sites:
        window_start = now - timedelta(days=policy_from_settings(site.settings or {}).price_history_days)
        out[site.id] = Prices(None, site, now, rows=[(c, p, f) for c, p, f, until in rows[site.id]
                                                     if until is None or until >= window_start])
    return out


# --- the checks ------------------------------------------------------------------------------------

@dataclass
class _Known:
    """A passage a cancel or an override may name: stored, or earlier in the same batch."""

    person_id: int | None
    accepted: bool
    kind: str
    price_cents: int


class PassageJudge:
    """Checks the new passages of one push, in order (a batch may hold a passage and its cancel)."""

    def __init__(self, session: Session, site: m.Site, new_items: list[dict], categories: dict[int, str],
                 prices: Prices | None = None):
        """`categories`: the category of each person of the site the items name; `prices`: the
        site's (`prices_of`), else read here."""
        self.prices = prices or Prices(session, site, feed.now())
        self.categories = categories
        refs = sorted({p["ref"].lower() for p in new_items if p["ref"]})
        self.known: dict[str, _Known] = {}
        self.used: set[tuple[str, str]] = set()   # (ref, kind): already cancelled / overridden
        for chunk in _chunks(refs):
            for row in session.execute(select(m.Passage.id, m.Passage.person_id, m.Passage.accepted,
                                              m.Passage.kind, m.Passage.price_cents).where(
                    m.Passage.site_id == site.id, m.Passage.id.in_(chunk))):
                self.known[row.id] = _Known(row.person_id, bool(row.accepted), row.kind, row.price_cents)
            self.used.update((ref, kind) for ref, kind in session.execute(
                select(m.Passage.ref, m.Passage.kind).where(
                    m.Passage.site_id == site.id, m.Passage.ref.in_(chunk),
                    m.Passage.kind.in_([PassageKind.CANCEL.value, PassageKind.OVERRIDE.value]))))

    def check(self, p: dict) -> None:
        """Raise ItemRejected if the station cannot have decided `p`; else remember it."""
        self._judge(p)
        self.known[p["id"]] = _Known(p["person_id"], p["accepted"], p["kind"], p["price_cents"])
        if p["kind"] in (PassageKind.CANCEL, PassageKind.OVERRIDE):
            self.used.add((p["ref"].lower(), p["kind"]))

    def _judge(self, p: dict) -> None:
        price, kind = p["price_cents"], p["kind"]
        if p["accepted"] != (p["reason"] == "ok"):
            raise ItemRejected("inconsistent_reason", f"passage: accepted={p['accepted']} with reason "
                                                      f"{p['reason']!r}")
        if kind == PassageKind.CANCEL:
            return self._judge_cancel(p)
        if price < 0:
            raise ItemRejected("negative_price", "passage: a negative price (only a cancel refunds)")
        if not p["accepted"] and price != 0:
            raise ItemRejected("refusal_charged", "passage: a refusal is never charged (price must be 0)")
        if kind == PassageKind.OVERRIDE:
            self._judge_override(p)
        if price > 0:
            category = self.categories.get(p["person_id"]) if p["person_id"] is not None else None
            if category is None or price not in self.prices.allowed(category):
                raise ItemRejected("price_not_a_tariff",
                                   f"passage: {price} cents is not a price of this person's tariff "
                                   f"in the last {self.prices.policy.price_history_days} days")

    def _named(self, p: dict, what: str) -> _Known:
        ref = (p["ref"] or "").lower()
        known = self.known.get(ref)
        if known is None:
            raise ItemRejected(f"{what}_of_unknown_passage",
                               f"passage: the {what} names no passage of this site ({ref[:36]!r})")
        if known.person_id != p["person_id"]:
            raise ItemRejected(f"{what}_of_another_person",
                               f"passage: the {what} names a passage of another person")
        return known

    def _judge_cancel(self, p: dict) -> None:
        if not p["accepted"]:
            raise ItemRejected("inconsistent_reason", "passage: a cancel is recorded as accepted")
        original = self._named(p, "cancel")
        if not original.accepted or original.kind == PassageKind.CANCEL:
            raise ItemRejected("not_cancellable", "passage: only an accepted meal can be cancelled")
        if (p["ref"].lower(), PassageKind.CANCEL.value) in self.used:
            raise ItemRejected("already_cancelled", "passage: this meal was already cancelled")
        if p["price_cents"] != -original.price_cents:
            raise ItemRejected("cancel_amount_mismatch",
                               f"passage: a cancel refunds the meal's price ({original.price_cents} cents), "
                               f"not {-p['price_cents']}")

    def _judge_override(self, p: dict) -> None:
        refused = self._named(p, "override")
        if refused.accepted or refused.kind in (PassageKind.CANCEL, PassageKind.OVERRIDE):
            raise ItemRejected("not_overridable", "passage: only a refusal can be overridden")
        if (p["ref"].lower(), PassageKind.OVERRIDE.value) in self.used:
            raise ItemRejected("already_overridden", "passage: this refusal was already overridden")


# --- keeping what was refused ------------------------------------------------------------------

def record_rejections(session: Session, site_id: int, station: str, item_kind: str,
                      items: list[Any], results: Iterable[dict]) -> int:
    """Keep every `rejected` result of a push (with its raw item) for the office; return how many."""
    rows = rejection_rows(site_id, station, item_kind, items, results)
    if rows:
        session.execute(m.RejectedItem.__table__.insert(), rows)
    return len(rows)


def rejection_rows(site_id: int, station: str, item_kind: str, items: list[Any],
                   results: Iterable[dict]) -> list[dict]:
    """The `rejected_item` rows `record_rejections` inserts (a group commit inserts many pushes' at once)."""
    received = feed.now()
    rows = []
    for raw, result in zip(items, results):
        if result.get("status") != "rejected":
            continue
        # kept as sent, but as text every database stores: JSON with every non-ASCII character
        # escaped (a hostile item may hold NULs or lone surrogates, which UTF-8 cannot encode)
        text = json.dumps(raw, ensure_ascii=True, default=str)
        rows.append({"site_id": site_id, "station": storable(station, 64), "item_kind": item_kind,
                     "item_id": storable(str(result.get("id") or ""), 64),
                     "code": storable(result.get("code", "malformed"), 40),
                     "reason": storable(str(result.get("error", "")), 300),
                     "raw": text[:RAW_MAX], "received_at": received})
    return rows


def storable(text: str, limit: int) -> str:
    """`text` cut to `limit` characters, without NULs or lone surrogates (escaped instead)."""
    text = text[:limit].replace("\x00", "\\x00")
    return text.encode("utf-8", "backslashreplace").decode("utf-8")[:limit]


def _chunks(seq: list, size: int = 500):
    for i in range(0, len(seq), size):
        yield seq[i:i + size]
