"""The per-site change feed: how every write to replicated data reaches the stations.

Rule for every writer (HTTP routes, `plateau admin`, imports): change a replicated row and call
`emit` (or `emit_many`) in the SAME session/transaction, with the row's wire data (the
`*_data` functions below build it from a model). Then the change and its feed item commit
together or not at all.

Ordering: `emit` bumps `site.feed_seq` with an UPDATE, which holds the site row's lock until
the transaction ends (PostgreSQL) or runs under the database write lock (SQLite, BEGIN
IMMEDIATE). The seqs themselves are handed out just before the commit (a `before_commit` hook:
one UPDATE and one INSERT per site and transaction), under that lock, so a site's seqs follow
commit order and a station that has read up to seq N can never later miss a seq below N.
`emit` takes the site lock at once; call `lock_site` first in a unit of work that checks then
writes (idempotency checks), so two concurrent writers of a site serialise from the start.
Use `plateau.server.db.Database.write()` for the unit of work (on SQLite it takes the write
lock up front; a plain session would not).

Waking long-polls: on PostgreSQL the same hook NOTIFYs the site's channel with its new last seq
(`pg_listen.py`), so every server process hears of the commit. The ids of the sites that emitted are kept in ``session.info["feed_sites"]``;
`plateau.server.db.Database.write` hands them to its listeners after the commit.
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any, Iterable

from sqlalchemy import case, event, inspect, select, text, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.orm.util import identity_key

from plateau.server import models as m
from plateau.server import pg_listen
from plateau.sync.protocol import KINDS, ProtocolError, check_fields


def now() -> datetime:
    return datetime.now(timezone.utc)


def lock_site(session: Session, site_id: int) -> None:
    """Serialise this unit of work with every other writer of the site (idempotent)."""
    locked = session.info.setdefault("locked_sites", set())
    if site_id in locked:
        return
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT id FROM site WHERE id = :id FOR UPDATE"), {"id": site_id})
    locked.add(site_id)


def lock_sites(session: Session, site_ids) -> dict[int, m.Site]:
    """`lock_site` for several sites in one statement, in id order (so two writers of overlapping
    sites never deadlock), returning them: {id: Site} (a site that does not exist is missing)."""
    ids = sorted(set(site_ids))
    query = select(m.Site).where(m.Site.id.in_(ids)).order_by(m.Site.id)
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update()
    sites = {site.id: site for site in session.execute(query).scalars()}
    session.info.setdefault("locked_sites", set()).update(ids)
    return sites


def emit(session: Session, site_id: int, kind: str, op: str, data: dict | None = None,
         key: str | None = None) -> None:
    """Append one change to the site's feed. `data` is required for an upsert (checked against
    the wire kind), `key` for a delete (else taken from `data`). Its seq is given at commit."""
    emit_many(session, site_id, [(kind, op, data, key)])


def emit_many(session: Session, site_id: int,
              items: Iterable[tuple[str, str, dict | None, str | None]]) -> None:
    """Append several changes (kind, op, data, key) to the site's feed, in this order."""
    rows = []
    for kind_name, op, data, key in items:
        kind = KINDS.get(kind_name)
        if kind is None:
            raise ValueError(f"unknown change kind {kind_name!r}")
        if op == "upsert":
            try:
                data = check_fields(kind, data, where=f"feed {kind_name}")
            except ProtocolError as exc:  # a bug in the writer: never let it reach a station
                raise ValueError(str(exc)) from exc
            key = kind.key_of(data)
        elif op == "delete":
            if key is None:
                key = kind.key_of(data or {})
            kind.parse_key(key)
            data = None
        else:
            raise ValueError(f"bad change op {op!r}")
        rows.append((kind_name, op, key, data))
    if not rows:
        return
    lock_site(session, site_id)
    session.info.setdefault("feed_pending", {}).setdefault(site_id, []).extend(rows)


@event.listens_for(Session, "before_commit")
def _write_pending(session: Session) -> None:
    # Seqs are handed out here, once per transaction whatever the number of sites it wrote to
    # (a group commit of pushes writes to many): one UPDATE of the site rows (which the
    # transaction holds locked since its first emit; on PostgreSQL its RETURNING also NOTIFYs
    # each site's channel, delivered on commit) and one multi-row INSERT.
    pending = session.info.pop("feed_pending", None)
    if not pending:
        return
    session.flush()
    conn = session.connection()
    at = now()
    postgres = conn.dialect.name == "postgresql"
    sites = sorted(pending)
    grown = case({site_id: len(pending[site_id]) for site_id in sites}, value=m.Site.id)
    returned = [m.Site.id, m.Site.feed_seq]
    if postgres:  # delivered on commit, to every process LISTENing (pg_listen.py): no statement of its own
        returned.append(pg_listen.notify_sql(m.Site.id, m.Site.feed_seq))
    lasts = {row[0]: row[1] for row in conn.execute(update(m.Site).where(m.Site.id.in_(sites))
                                                    .values(feed_seq=m.Site.feed_seq + grown)
                                                    .returning(*returned))}
    changes = []
    for site_id in sites:
        rows, last = pending[site_id], lasts[site_id]
        loaded = session.identity_map.get(identity_key(m.Site, site_id))
        if loaded is not None:  # a Core UPDATE leaves a loaded Site as it was: keep it true
            set_committed_value(loaded, "feed_seq", last)
        first = last - len(rows) + 1
        changes += [{"site_id": site_id, "seq": first + i, "kind": k, "op": op, "key": key, "data": data, "at": at}
                    for i, (k, op, key, data) in enumerate(rows)]
    conn.execute(m.Change.__table__.insert(), changes)
    session.info.setdefault("feed_sites", set()).update(pending)


@event.listens_for(Session, "after_commit")
def _forget_locks(session: Session) -> None:
    session.info.pop("locked_sites", None)


@event.listens_for(Session, "after_rollback")
def _forget_pending(session: Session) -> None:
    session.info.pop("feed_pending", None)
    session.info.pop("feed_sites", None)
    session.info.pop("locked_sites", None)


@event.listens_for(Session, "after_flush")
def _notify_token_change(session: Session, _context) -> None:
    # PostgreSQL: every server process forgets its remembered tokens when one is added, revoked or
    # re-issued (pg_listen.TOKENS, delivered on commit), instead of re-reading the token tables.
    # Here, not in auth.py, because every writer (`plateau admin` too) imports this module.
    if session.info.get("tokens_notified") or session.get_bind().dialect.name != "postgresql":
        return
    touched = [o for o in (*session.new, *session.deleted) if isinstance(o, (m.Station, m.ApiToken))]
    touched += [o for o in session.dirty if isinstance(o, (m.Station, m.ApiToken))
                and (inspect(o).attrs.token_hash.history.has_changes() or inspect(o).attrs.revoked.history.has_changes())]
    if touched:
        session.connection().execute(text("SELECT pg_notify(:channel, '')"), {"channel": pg_listen.TOKENS})
        session.info["tokens_notified"] = True


@event.listens_for(Session, "after_commit")
@event.listens_for(Session, "after_rollback")
def _tokens_notified_done(session: Session) -> None:
    session.info.pop("tokens_notified", None)


def read_changes(session: Session, site_id: int, since: int, limit: int) -> tuple[list[dict], int, bool]:
    """The site's changes after `since`, oldest first: (items, cursor, more)."""
    rows = session.execute(
        select(m.Change.seq, m.Change.kind, m.Change.op, m.Change.key, m.Change.data)
        .where(m.Change.site_id == site_id, m.Change.seq > since)
        .order_by(m.Change.seq).limit(limit + 1)).all()
    more = len(rows) > limit
    rows = rows[:limit]
    items = [{"seq": r.seq, "kind": r.kind, "op": r.op, "key": r.key, "data": r.data} for r in rows]
    cursor = rows[-1].seq if rows else since
    if not rows:
        # a cursor beyond the feed (a server restored from an older backup) comes back to its end
        head = session.execute(select(m.Site.feed_seq).where(m.Site.id == site_id)).scalar() or 0
        cursor = min(since, head)
    return items, cursor, more


def compact(session: Session, site_id: int) -> int:
    """Drop the feed items superseded by a later item of the same key; return how many.

    Safe for every cursor: a station at cursor c needs, for each key changed after c, only
    its latest state, and the latest item of a key is never dropped (deletes included, as
    tombstones). Passages have one item each and are left alone. Seqs stay monotonic, with gaps.
    """
    lock_site(session, site_id)
    c2 = m.Change.__table__.alias("later")
    t = m.Change.__table__
    superseded = select(c2.c.seq).where(c2.c.site_id == t.c.site_id, c2.c.kind == t.c.kind, c2.c.key == t.c.key,
                                        c2.c.seq > t.c.seq).exists()
    result = session.execute(t.delete().where(t.c.site_id == site_id, t.c.kind != "passage", superseded))
    return result.rowcount or 0


def head_seqs(session: Session) -> dict[int, int]:
    """{site id: last seq} for every site (the long-poll watcher's one cheap query)."""
    return {r.id: r.feed_seq for r in session.execute(select(m.Site.id, m.Site.feed_seq))}


# --- wire data of each kind (plateau.sync.protocol.KINDS) -------------------------------------

def _iso(value: Any) -> Any:
    return None if value is None else value.isoformat()


def site_data(s: m.Site) -> dict:
    return {"code": s.code, "name": s.name, "timezone": s.timezone, "zone": s.zone,
            "settings": {str(k): str(v) for k, v in (s.settings or {}).items()}}


def service_data(s: m.Service) -> dict:
    return {"code": s.code, "label": s.label, "start": s.start, "end": s.end, "weekdays": s.weekdays}


def tariff_data(t: m.Tariff) -> dict:
    return {"category": t.category, "price_cents": t.price_cents, "label": t.label}


def person_data(p: m.Person) -> dict:
    return {"id": p.id, "external_id": p.external_id, "last_name": p.last_name, "first_name": p.first_name,
            "class_name": p.class_name, "category": p.category, "regime": p.regime, "plan": p.plan,
            "forfait_days": p.forfait_days, "status": p.status, "arrival_date": _iso(p.arrival_date),
            "leaving_date": _iso(p.leaving_date), "photo": p.photo}


def card_data(c: m.Card) -> dict:
    return {"uid": c.uid, "person_id": c.person_id, "status": c.status}


def reservation_data(r: m.Reservation) -> dict:
    return {"person_id": r.person_id, "date": r.date.isoformat(), "service": r.service}


def balance_data(b: m.Balance) -> dict:
    return {"person_id": b.person_id, "balance_cents": int(b.balance_cents), "version": b.version}


def opposition_data(o: m.Opposition) -> dict:
    return {"id": o.id, "person_id": o.person_id, "starts_at": o.starts_at.isoformat(),
            "ends_at": o.ends_at.isoformat(), "motive": o.motive, "source": o.source}


def closure_data(c: m.Closure) -> dict:
    return {"id": c.id, "first_day": c.first_day.isoformat(), "last_day": c.last_day.isoformat(),
            "label": c.label, "source": c.source}


def staff_data(s: m.Staff) -> dict:
    return {"id": s.id, "name": s.name, "role": s.role, "pin_hash": s.pin_hash, "badge_uid": s.badge_uid,
            "active": bool(s.active)}


def menu_data(x: m.Menu) -> dict:
    return {"date": x.date.isoformat(), "service": x.service, "text": x.text}


def passage_data(p: m.Passage) -> dict:
    return {"id": p.id, "station": p.station, "at": p.at.isoformat(), "local_date": p.local_date.isoformat(),
            "service": p.service, "card_uid": p.card_uid, "person_id": p.person_id, "kind": p.kind,
            "accepted": bool(p.accepted), "reason": p.reason, "price_cents": p.price_cents,
            "balance_after_cents": p.balance_after_cents, "staff_id": p.staff_id, "motive": p.motive,
            "ref": p.ref, "warnings": list(p.warnings or []), "medium": p.medium or "card"}


def phone_badge_data(b: m.PhoneBadge) -> dict:
    return {"person_id": b.person_id, "secret": b.secret, "digits": b.digits, "period": b.period}
