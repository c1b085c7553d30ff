"""A site's current state, page by page: what a new station's first sync reads instead of the
whole change feed (`GET /api/v1/sync/snapshot`, docs/protocol.md).

A snapshot is what the station's rules need, not the site's history: the site, services,
tariffs, staff, every person, card, balance and phone badge, the closures and menus from the
snapshot's day on, the oppositions not yet ended, the reservations from that day on and the
passages of that day (every station's: "already served" at another station). The feed, by
contrast, keeps one item per passage ever made.

Consistency without a long transaction: the first page reads the site's feed head H (its
`cursor`), and every later page names it back. Each page is an ordinary short read of the
current rows, so a page may already show a change committed after H; the station then pulls
the feed from H, which brings every change committed after H again, in commit order, ending
on the same latest state (applying a change is idempotent on the station: upserts by key,
balances by version, passages insert-or-ignore). A change the pages missed was committed after
H (seqs follow commit order, `feed.py`), so it comes through the feed. Nothing is held open
between pages: any server process answers any page, and a station may take hours.

Pages are cut by a stable key per kind (`Part.order`, unique within a site), carried in the
opaque `after` position, so a page asked twice answers the same rows (a resumed first sync
neither skips nor repeats).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime, time, timezone
from typing import Any, Callable
from zoneinfo import ZoneInfo

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session

from plateau.server import feed
from plateau.server import models as m
from plateau.sync.protocol import KINDS, MAX_CURSOR


class BadPosition(ValueError):
    """An `after` position (or `day`) that this server did not hand out: the message says why."""


@dataclass(frozen=True)
class Window:
    """What "from now on" means for one snapshot: its day at the site and that day's start (UTC)."""

    day: date
    start: datetime


@dataclass(frozen=True)
class Part:
    """One kind of the snapshot: its rows of a site, in the order of `order` (unique per site)."""

    kind: str
    model: type
    order: tuple[str, ...]
    wire: Callable[[Any], dict]
    current: Callable[[Window], Any] | None = None   # the rows still useful from the snapshot's day
    site_column: str = "site_id"

    def where(self, site_id: int, window: Window) -> list:
        out = [getattr(self.model, self.site_column) == site_id]
        if self.current is not None:
            out.append(self.current(window))
        return out


# small kinds first, so that a station half-way through already knows its site; passages last.
# Each order is an index's (the unique keys, migration 0013's for reservations, the day index for
# passages): a page is an index range, whatever the history behind it.
PARTS: tuple[Part, ...] = (
    Part("site", m.Site, ("id",), feed.site_data, site_column="id"),
    Part("service", m.Service, ("code",), feed.service_data),
    Part("tariff", m.Tariff, ("category",), feed.tariff_data),
    Part("staff", m.Staff, ("id",), feed.staff_data),
    Part("closure", m.Closure, ("id",), feed.closure_data, lambda w: m.Closure.last_day >= w.day),
    Part("menu", m.Menu, ("date", "service"), feed.menu_data, lambda w: m.Menu.date >= w.day),
    Part("person", m.Person, ("id",), feed.person_data),
    Part("card", m.Card, ("uid",), feed.card_data),
    Part("balance", m.Balance, ("person_id",), feed.balance_data),
    Part("phone_badge", m.PhoneBadge, ("person_id",), feed.phone_badge_data),
    Part("opposition", m.Opposition, ("id",), feed.opposition_data, lambda w: m.Opposition.ends_at > w.start),
    Part("reservation", m.Reservation, ("date", "service", "person_id"), feed.reservation_data,
         lambda w: m.Reservation.date >= w.day),
    Part("passage", m.Passage, ("local_date", "id"), feed.passage_data, lambda w: m.Passage.local_date >= w.day),
)
_BY_KIND = {p.kind: p for p in PARTS}
assert set(_BY_KIND) == set(KINDS), "every replicated kind has its part of the snapshot"


def window(site: m.Site, day: date | None = None, now: datetime | None = None) -> Window:
    tz = ZoneInfo(site.timezone)
    if day is None:
        day = (now or feed.now()).astimezone(tz).date()
    return Window(day, datetime.combine(day, time(0), tz).astimezone(timezone.utc))


def _json_value(value: Any) -> Any:
    return value.isoformat() if isinstance(value, date) else value


def encode_position(kind: str, values: tuple) -> str:
    return kind + ":" + json.dumps([_json_value(v) for v in values], separators=(",", ":"))


def decode_position(after: str) -> tuple[Part, tuple]:
    kind, sep, raw = after.partition(":")
    part = _BY_KIND.get(kind)
    try:
        values = json.loads(raw) if sep else None
    except ValueError:
        values = None
    if part is None or not isinstance(values, list) or len(values) != len(part.order) \
            or not all(isinstance(v, (int, str)) and not isinstance(v, bool) for v in values):
        raise BadPosition(f"after {after[:80]!r} is not a position this server gave")
    return part, tuple(values)


def _after(part: Part, values: tuple):
    """Rows strictly after `values` in the part's order (a row-value comparison spelled out, so
    both SQLite and PostgreSQL range-scan the order's leading column)."""
    cols = [getattr(part.model, name) for name in part.order]
    clauses = []
    for i, col in enumerate(cols):
        clauses.append(and_(*[c == v for c, v in zip(cols[:i], values[:i])], col > values[i]))
    return and_(cols[0] >= values[0], or_(*clauses))


def totals(session: Session, site_id: int, win: Window) -> int:
    """How many rows the whole snapshot holds (a first sync's "received/total")."""
    total = 0
    for part in PARTS:
        total += session.execute(select(func.count()).select_from(part.model)
                                 .where(*part.where(site_id, win))).scalar_one()
    return total


def read_page(session: Session, site: m.Site, cursor: int | None, day: date | None, after: str | None,
              limit: int, *, now: datetime | None = None) -> dict:
    """One page of the site's snapshot, as the JSON answer. `cursor` None: the first page, which
    fixes the snapshot's cursor (the feed head, read before any row) and day: the site's today,
    or the `day` the station asks for when it is earlier (its own clock's date: a demo clock, a
    station whose clock is behind the server's; rows from an earlier day are only more rows)."""
    first = cursor is None
    if first:
        if after is not None:
            raise BadPosition("the first page of a snapshot takes no position (after) without its cursor")
        cursor = int(session.execute(select(m.Site.feed_seq).where(m.Site.id == site.id)).scalar_one() or 0)
        today = window(site, now=now).day
        day = today if day is None else min(day, today)
    elif day is None:
        raise BadPosition("a snapshot's later pages name its cursor and its day")
    elif not 0 <= cursor <= MAX_CURSOR:
        raise BadPosition("cursor out of range")
    win = window(site, day)
    start = 0
    position = None
    if after is not None:
        part, position = decode_position(after)
        start = PARTS.index(part)
    rows: list[dict] = []
    next_after = None
    for index in range(start, len(PARTS)):
        part = PARTS[index]
        want = limit - len(rows)
        query = select(part.model).where(*part.where(site.id, win))
        if index == start and position is not None:
            query = query.where(_after(part, position))
        found = session.execute(query.order_by(*[getattr(part.model, n) for n in part.order])
                                .limit(want)).scalars().all()
        kind = KINDS[part.kind]
        for row in found:
            data = part.wire(row)
            rows.append({"kind": part.kind, "key": kind.key_of(data), "data": data})
        if len(found) == want:   # the page is full: the next one goes on from its last row
            next_after = encode_position(part.kind, tuple(getattr(found[-1], n) for n in part.order))
            break
    answer = {"cursor": cursor, "day": win.day.isoformat(), "rows": rows, "after": next_after,
              "more": next_after is not None}
    if first:
        answer["total"] = totals(session, site.id, win)
    return answer
