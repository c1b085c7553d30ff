"""Applying validated change-feed items to the replica (the sync daemon's write path).

`apply_changes` runs on an open transaction; the caller stores the new cursor in the same
transaction, so a crash anywhere leaves either the whole page applied with its cursor, or
neither. Applying the same change twice is harmless (upserts, delete-if-present,
insert-or-ignore for passages, version check for balances).
"""

from __future__ import annotations

import json
from typing import Iterable

from datetime import datetime

from sqlalchemy import Connection, text

from plateau.db.types import utc_text

from plateau.domain.services import format_weekdays, parse_weekdays
from plateau.sync.protocol import KINDS, SITE_KINDS, Change

_GET_STATE = text("SELECT value FROM sync_state WHERE key = :k")
_SET_STATE = text("INSERT INTO sync_state (key, value) VALUES (:k, :v) "
                  "ON CONFLICT(key) DO UPDATE SET value = excluded.value")


def get_state(conn: Connection, key: str, default: str | None = None) -> str | None:
    value = conn.execute(_GET_STATE, {"k": key}).scalar()
    return default if value is None else value


def set_state(conn: Connection, key: str, value: object) -> None:
    conn.execute(_SET_STATE, {"k": key, "v": str(value)})


def _columns(change: Change) -> dict:
    data = dict(change.data or {})
    if change.kind == "site":
        data["settings"] = json.dumps(data["settings"])
    elif change.kind == "service":
        data["weekdays"] = format_weekdays(parse_weekdays(data["weekdays"]))
    elif change.kind == "person":
        data["search_key"] = search_key(data["last_name"], data["first_name"], data.get("class_name"))
    elif change.kind == "balance":
        data = {"person_id": data["person_id"], "server_cents": data["balance_cents"], "version": data["version"]}
    elif change.kind == "passage":
        data["warnings"] = json.dumps(data["warnings"])
        data["origin"] = "remote"
        data["at"] = utc_text(datetime.fromisoformat(data["at"]))
    elif change.kind == "opposition":
        # instants arrive with any offset (+01:00, Z); the replica stores them as UTC text, like
        # UTCDateTime, so that text comparisons in SQL order them correctly
        data["starts_at"] = utc_text(datetime.fromisoformat(data["starts_at"]))
        data["ends_at"] = utc_text(datetime.fromisoformat(data["ends_at"]))
    return data


def search_key(last_name: str, first_name: str, class_name: str | None) -> str:
    """Accent- and case-folded 'last first class' for the forgotten-badge search."""
    import unicodedata

    raw = f"{last_name} {first_name} {class_name or ''}"
    folded = unicodedata.normalize("NFKD", raw).encode("ascii", "ignore").decode().lower()
    return " ".join(folded.split())


def _upsert_sql(table: str, cols: list[str], keys: tuple[str, ...]) -> str:
    quoted = ", ".join(f'"{c}"' for c in cols)
    params = ", ".join(f":{c}" for c in cols)
    updates = ", ".join(f'"{c}" = excluded."{c}"' for c in cols if c not in keys) or f'"{keys[0]}" = "{keys[0]}"'
    conflict = ", ".join(f'"{k}"' for k in keys)
    return f'INSERT INTO "{table}" ({quoted}) VALUES ({params}) ON CONFLICT({conflict}) DO UPDATE SET {updates}'


_SQL_CACHE: dict[tuple, object] = {}


def _sql(key: tuple, build) -> object:
    stmt = _SQL_CACHE.get(key)
    if stmt is None:
        stmt = _SQL_CACHE[key] = text(build())
    return stmt


def apply_changes(conn: Connection, changes: Iterable[Change]) -> int:
    """Apply validated changes in order on an open transaction; return how many were applied.

    Consecutive changes that use the same statement go to SQLite as one executemany (a first
    sync is mostly long runs of persons, cards and reservations): same order, same result,
    without paying the per-statement overhead for every row."""
    count = 0
    site_changed = False
    run_stmt, run_params = None, []

    def flush():
        if run_params:
            conn.execute(run_stmt, run_params if len(run_params) > 1 else run_params[0])
            run_params.clear()

    for change in changes:
        kind = KINDS[change.kind]
        if change.kind in SITE_KINDS:
            site_changed = True
        count += 1
        if change.op == "delete":
            if change.kind == "passage":  # the passage log is never deleted from
                continue
            where = kind.parse_key(change.key)
            key_fields = ("person_id",) if change.kind == "balance" else kind.key_fields
            values = {"person_id": where["person_id"]} if change.kind == "balance" else where
            stmt = _sql(("del", kind.table), lambda: f'DELETE FROM "{kind.table}" WHERE ' + " AND ".join(
                f'"{k}" = :{k}' for k in key_fields))
        else:
            values = _columns(change)
            names = tuple(values)
            if change.kind == "passage":
                stmt = _sql(("ins", names), lambda: 'INSERT INTO passage (' + ", ".join(f'"{c}"' for c in names)
                            + ') VALUES (' + ", ".join(f":{c}" for c in names) + ') ON CONFLICT(id) DO NOTHING')
            elif change.kind == "balance":
                stmt = _sql(("bal",), lambda: 'INSERT INTO balance (person_id, server_cents, version) VALUES '
                            '(:person_id, :server_cents, :version) ON CONFLICT(person_id) DO UPDATE SET '
                            'server_cents = excluded.server_cents, version = excluded.version '
                            'WHERE excluded.version > balance.version')
            else:
                stmt = _sql(("up", kind.table, names),
                            lambda: _upsert_sql(kind.table, list(names), kind.key_fields))
        if stmt is not run_stmt:
            flush()
            run_stmt = stmt
        run_params.append(values)
    flush()
    if site_changed:
        bump_site_version(conn)
    return count


def bump_site_version(conn: Connection) -> None:
    current = int(get_state(conn, "site_version", "0") or 0)
    set_state(conn, "site_version", current + 1)


def apply_balances(conn: Connection, balances: Iterable[dict]) -> None:
    """Balances answered by a push: {person, balance_cents, version} (newer versions win)."""
    changes = [Change(0, "balance", "upsert", str(b["person"]),
                      {"person_id": b["person"], "balance_cents": b["balance_cents"], "version": b.get("version", 0)})
               for b in balances]
    apply_changes(conn, changes)
