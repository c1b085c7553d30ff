"""The reads of the kiosk's screens, and its "sync now" request; the passages and cards go
through the station's services (`plateau.station.services`).

Every read is one short indexed query (WAL readers never wait for the writer); the kiosk runs them
on its worker thread, like `request_sync`, which takes the write lock with BEGIN IMMEDIATE.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone

from sqlalchemy import Connection, Engine, text

from plateau.db.replica import set_state
from plateau.db.unit_of_work import UnitOfWork
from plateau.domain.collation import text_key
from plateau.domain.pins import LockoutPolicy, verify_pin
from plateau.domain.staff import StaffMember

FORCE_SYNC = "force_sync"   # sync_state key: an ISO instant; the daemon syncs at once when it changes
# sync_state keys: the badge reader's state as the kiosk last saw it (devices.base.ReaderState values)
# and its detail; the sync daemon, another process, reports them to the server (sync/telemetry.py)
READER_STATE, READER_DETAIL = "reader_state", "reader_detail"

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
_STAFF_ONE = text("SELECT id, name, role, pin_hash FROM staff WHERE active = 1 AND id = :id")
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


def active_staff(conn: Connection) -> list[StaffMember]:
    """The active staff members, in French order of their names: the corner's PIN pad asks who
    is typing before it takes a PIN (no hashes read)."""
    rows = conn.execute(_STAFF).all()
    return sorted((StaffMember(r.id, r.name, r.role) for r in rows), key=lambda m: (*text_key(m.name), m.id))


def staff_pin_matches(conn: Connection, member_id: int, pin: str, key: bytes | None = None) -> StaffMember | None:
    """That active staff member, if `pin` is theirs: one scrypt, whatever the number of staff
    (two members sharing a PIN each get in as themselves)."""
    if not pin or not pin.isdigit():
        return None
    row = conn.execute(_STAFF_ONE, {"id": member_id}).first()
    return StaffMember(row.id, row.name, row.role) if row and verify_pin(pin, row.pin_hash, key) else None


def staff_for_pin(conn: Connection, pin: str, key: bytes | None = None) -> StaffMember | None:
    """The active staff member whose PIN this is (hashes peppered with `key`, see
    `plateau.domain.pins`). Costs one scrypt per staff member (tens of ms each at full cost):
    call it from the worker thread, never the GUI thread. No lockout here: `check_pin`."""
    if not pin or not pin.isdigit():
        return None
    for row in conn.execute(_STAFF).all():
        if verify_pin(pin, row.pin_hash, key):
            return StaffMember(row.id, row.name, row.role)
    return None


# The PIN pad's lockout lives in the replica (sync_state keys), so that restarting the kiosk does
# not reset it: wrong PINs in a row, locks so far (each longer: LockoutPolicy), and the instant
# the current lock ends (UTC, wall clock).
PIN_FAILURES, PIN_LOCKOUTS, PIN_LOCKED_UNTIL = "pin_failures", "pin_lockouts", "pin_locked_until"


@dataclass(frozen=True)
class PinCheck:
    """The answer to a typed PIN: the staff member (None: wrong or locked) and, when the pad is
    locked (now or by this very failure), for how many seconds more."""

    member: StaffMember | None
    locked_for: float = 0.0


def _state(conn: Connection) -> dict[str, str]:
    rows = conn.execute(text("SELECT key, value FROM sync_state WHERE key IN (:a, :b, :c)"),
                        {"a": PIN_FAILURES, "b": PIN_LOCKOUTS, "c": PIN_LOCKED_UNTIL}).all()
    return dict(rows)


def pin_lock_remaining(conn: Connection, at: datetime, policy: LockoutPolicy = LockoutPolicy()) -> float:
    """Seconds left in the current lock (0: the pad is open). A clock set back meanwhile cannot
    stretch a lock past the length it was given."""
    state = _state(conn)
    until = state.get(PIN_LOCKED_UNTIL)
    if not until:
        return 0.0
    left = (datetime.fromisoformat(until) - at).total_seconds()
    return max(0.0, min(left, policy.lock_seconds(int(state.get(PIN_LOCKOUTS) or 0))))


def check_pin(engine: Engine, pin: str, at: datetime, *, key: bytes | None = None, expected: int | None = None,
              policy: LockoutPolicy = LockoutPolicy()) -> PinCheck:
    """Check a typed PIN under the replica's lockout: while locked, the PIN is not even checked;
    with `expected` (the kiosk always names whose PIN it awaits: their badge, or the name tapped)
    it is checked against that one member's hash only; a wrong one counts, and the
    `policy.failures`-th in a row locks the pad for the next step of `policy.steps`; a right one
    opens the pad and starts the count again. Worker thread: the scrypt runs outside any
    transaction, the count is written in a short one."""
    with engine.connect() as conn:
        left = pin_lock_remaining(conn, at, policy)
        if left > 0:
            return PinCheck(None, left)
        member = staff_for_pin(conn, pin, key) if expected is None else staff_pin_matches(conn, expected, pin, key)
    with engine.execution_options(plateau_immediate=True).begin() as conn:
        state = _state(conn)
        if member is not None:
            for name in (PIN_FAILURES, PIN_LOCKOUTS, PIN_LOCKED_UNTIL):
                set_state(conn, name, "")
            return PinCheck(member)
        failures = int(state.get(PIN_FAILURES) or 0) + 1
        if failures < policy.failures:
            set_state(conn, PIN_FAILURES, failures)
            return PinCheck(None)
        lockouts = int(state.get(PIN_LOCKOUTS) or 0) + 1
        seconds = policy.lock_seconds(lockouts)
        set_state(conn, PIN_FAILURES, 0)
        set_state(conn, PIN_LOCKOUTS, lockouts)
        set_state(conn, PIN_LOCKED_UNTIL, (at + timedelta(seconds=seconds)).astimezone(timezone.utc).isoformat())
        return PinCheck(None, seconds)


def staff_for_badge(conn: Connection, uid: str) -> StaffMember | None:
    row = conn.execute(_STAFF_BADGE, {"uid": uid}).first()
    return StaffMember(row.id, row.name, row.role) if row else None


@dataclass(frozen=True)
class ParkedItem:
    """A passage or card event the server rejected (per item), waiting for staff: the list of the
    staff's "Rejected by the server" screen."""

    id: str
    kind: str            # "passage" | "card_event"
    at: datetime
    what: str            # the person's name, else the card's UID
    error: str           # the server's reason


def parked_items(engine: Engine) -> list[ParkedItem]:
    """Parked passages then rejected card events, newest first."""
    with UnitOfWork(engine).reading() as uow:
        items = [ParkedItem(r.passage_id, "passage", datetime.fromisoformat(r.at),
                            f"{r.last_name or ''} {r.first_name or ''}".strip() or (r.card_uid or ""), r.error or "")
                 for r in uow.parked_passages()]
        items += [ParkedItem(e["id"], "card_event", datetime.fromisoformat(e["at"]), e["uid"], e["error"])
                  for e in uow.parked_card_events()]
    return items


def retry_parked(engine: Engine, at: datetime | None = None) -> tuple[int, int]:
    """Send every parked item again (staff action, `plateau sync --retry-parked`): passages back
    to the outbox, rejected card events back to the unsent queue, and a "sync now" for the
    daemon, in one transaction. Returns (passages, card events)."""
    with UnitOfWork(engine).writing() as uow:
        passages, events = uow.unpark_all()
        uow.set_state(FORCE_SYNC, (at or datetime.now(timezone.utc)).isoformat())
        uow.commit()
    return passages, events


def request_sync(engine: Engine, at: datetime | None = None) -> None:
    """Ask the sync daemon for a push and a pull now (it watches `sync_state.force_sync`)."""
    with engine.execution_options(plateau_immediate=True).begin() as conn:
        set_state(conn, FORCE_SYNC, (at or datetime.now(timezone.utc)).isoformat())


def record_reader_state(engine: Engine, state: str, detail: str = "") -> None:
    """Keep the reader's state where the sync daemon reads it (it tells the office). Written only
    when the state changes, which is rare (start, unplugged, plugged back)."""
    with engine.execution_options(plateau_immediate=True).begin() as conn:
        set_state(conn, READER_STATE, str(state))
        set_state(conn, READER_DETAIL, detail[:200])
