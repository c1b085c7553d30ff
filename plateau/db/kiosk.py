"""The reads of the kiosk's screens, and its "sync now" request; the passages and cards go
through the station's services (`plateau.station.services`).

Every read is one short indexed query (WAL readers never wait for the writer); the kiosk runs them
on its worker thread, like `request_sync`, which takes the write lock with BEGIN IMMEDIATE.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timezone

from sqlalchemy import Connection, Engine, text

from plateau.db.replica import set_state
from plateau.domain.pins import verify_pin
from plateau.domain.staff import StaffMember

FORCE_SYNC = "force_sync"   # sync_state key: an ISO instant; the daemon syncs at once when it changes

_SERVED = text(
    "SELECT COUNT(DISTINCT p.person_id) FROM passage p WHERE p.local_date = :d AND p.service = :s "
    "AND p.accepted = 1 AND p.kind != 'cancel' AND NOT EXISTS "
    "(SELECT 1 FROM passage c WHERE c.ref = p.id AND c.kind = 'cancel')")
_MENU = text("SELECT text FROM menu WHERE date = :d AND service = :s")
_LAST = text(
    "SELECT p.id, p.station, p.at, p.kind, p.accepted, p.reason, p.price_cents, p.person_id, p.card_uid, "
    "p.ref, p.motive, per.last_name, per.first_name, per.class_name, "
    "EXISTS (SELECT 1 FROM passage c WHERE c.ref = p.id AND c.kind = 'cancel') AS cancelled, "
    "EXISTS (SELECT 1 FROM passage o WHERE o.ref = p.id AND o.kind = 'override') AS overridden "
    "FROM passage p LEFT JOIN person per ON per.id = p.person_id "
    "WHERE p.local_date >= :since ORDER BY p.at DESC, p.rowid DESC LIMIT :n")
_STAFF = text("SELECT id, name, role, pin_hash FROM staff WHERE active = 1 ORDER BY id")
_STAFF_BADGE = text("SELECT id, name, role FROM staff WHERE active = 1 AND badge_uid = :uid")


@dataclass(frozen=True)
class PassageLine:
    """One line of the staff's "last passages" list."""

    id: str
    station: str
    at: datetime
    kind: str
    accepted: bool
    reason: str
    price_cents: int
    person_id: int | None
    card_uid: str | None
    name: str
    class_name: str | None
    cancelled: bool
    overridden: bool

    @property
    def cancellable(self) -> bool:
        return self.accepted and self.kind != "cancel" and not self.cancelled


def served_count(conn: Connection, day: date, service: str) -> int:
    return int(conn.execute(_SERVED, {"d": day.isoformat(), "s": service}).scalar() or 0)


def menu_text(conn: Connection, day: date, service: str) -> str:
    return conn.execute(_MENU, {"d": day.isoformat(), "s": service}).scalar() or ""


def last_passages(conn: Connection, n: int = 50, since: date | None = None) -> list[PassageLine]:
    """The newest `n` passages recorded on or after the local day `since` (an index range on
    the day: a year of passages is never sorted to show the last 50)."""
    out = []
    for r in conn.execute(_LAST, {"n": n, "since": since.isoformat() if since else ""}):
        name = f"{r.last_name or ''} {r.first_name or ''}".strip()
        out.append(PassageLine(r.id, r.station, datetime.fromisoformat(r.at), r.kind, bool(r.accepted), r.reason,
                               r.price_cents, r.person_id, r.card_uid, name, r.class_name, bool(r.cancelled),
                               bool(r.overridden)))
    return out


def staff_for_pin(conn: Connection, pin: str) -> StaffMember | None:
    """The active staff member whose PIN this is. Costs one scrypt per staff member (tens of ms
    each at full cost): call it from the worker thread, never the GUI thread."""
    if not pin or not pin.isdigit():
        return None
    for row in conn.execute(_STAFF).all():
        if verify_pin(pin, row.pin_hash):
            return StaffMember(row.id, row.name, row.role)
    return None


def staff_for_badge(conn: Connection, uid: str) -> StaffMember | None:
    row = conn.execute(_STAFF_BADGE, {"uid": uid}).first()
    return StaffMember(row.id, row.name, row.role) if row else None


def request_sync(engine: Engine, at: datetime | None = None) -> None:
    """Ask the sync daemon for a push and a pull now (it watches `sync_state.force_sync`)."""
    with engine.execution_options(plateau_immediate=True).begin() as conn:
        set_state(conn, FORCE_SYNC, (at or datetime.now(timezone.utc)).isoformat())


