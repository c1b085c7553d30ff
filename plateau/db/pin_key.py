"""The station's PIN pepper key: a file outside the database, and the staff hashes peppered with it.

The key is 32 random bytes (64 hex characters) in `[db] pin_key` (default: `pin.key` beside the
database), created by whichever of the kiosk and the sync daemon starts first, mode 0640: both
must read it (the daemon peppers the hashes it pulls before they are committed, the kiosk checks
PINs with it), and they share the `plateau` group. It is never in the database, nor in
`plateau backup`'s copies of it. See `plateau.domain.pins` for what peppering does.
"""

from __future__ import annotations

import logging
import os
import secrets
import stat
from pathlib import Path

from sqlalchemy import Connection, Engine, text

from plateau.db.replica import get_state, set_state
from plateau.domain.pins import PEPPERED, key_id, pepper_hash
from plateau.errors import UserError

log = logging.getLogger(__name__)

KEY_ID = "pin_key_id"   # sync_state key: fingerprint of the key the staff hashes are peppered with

_RAW = text("SELECT id, pin_hash FROM staff WHERE pin_hash LIKE 'scrypt$%'")
_SET = text("UPDATE staff SET pin_hash = :h WHERE id = :id")
_ANY_PEPPERED = text(f"SELECT 1 FROM staff WHERE pin_hash LIKE '{PEPPERED}$%' LIMIT 1")


class PinKeyError(UserError):
    """The key file cannot be read or created (message for a person)."""


def key_path(db_path: str, configured: str = "") -> Path:
    return Path(configured) if configured else Path(db_path).with_name("pin.key")


def load_or_create(path: Path) -> bytes:
    """Read the key, creating it (0640, never overwriting one) if it does not exist yet."""
    try:
        raw = path.read_text(encoding="ascii").strip()
    except FileNotFoundError:
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o640)
        except FileExistsError:  # the other program created it meanwhile
            return load_or_create(path)
        except OSError as exc:
            raise PinKeyError(f"cannot create the PIN key {path}: {exc.strerror}") from exc
        with os.fdopen(fd, "w", encoding="ascii") as out:
            out.write(secrets.token_hex(32) + "\n")
            out.flush()
            os.fsync(out.fileno())
        log.info("created the PIN key %s", path)
        return load_or_create(path)
    except (OSError, UnicodeDecodeError) as exc:
        raise PinKeyError(f"cannot read the PIN key {path}: {getattr(exc, 'strerror', exc)}") from exc
    try:
        key = bytes.fromhex(raw)
    except ValueError:
        raise PinKeyError(f"the PIN key {path} is not 64 hex characters") from None
    if len(key) < 32:
        raise PinKeyError(f"the PIN key {path} is too short (64 hex characters expected)")
    if path.stat().st_mode & stat.S_IROTH:
        log.warning("the PIN key %s is readable by everyone: chmod 0640 it", path)
    return key


def pepper_staff(conn: Connection, key: bytes) -> int:
    """Pepper every staff hash still in the server's form (on an open write transaction)."""
    rows = conn.execute(_RAW).all()
    for row in rows:
        conn.execute(_SET, {"id": row.id, "h": pepper_hash(row.pin_hash, key)})
    return len(rows)


def prepare(engine: Engine, key: bytes) -> bool:
    """At start: pepper the hashes still in the server's form and remember the key's fingerprint.
    Returns True when hashes are peppered with *another* key (the key file was lost or replaced):
    they can no longer be checked, and only a full pull brings the server's hashes again. The
    fingerprint is then left as it is until the sync daemon has started that pull (`claim`), so
    that the kiosk starting first cannot hide the mismatch from the daemon."""
    with engine.execution_options(plateau_immediate=True).begin() as conn:
        stored = get_state(conn, KEY_ID)
        stale = bool(stored) and stored != key_id(key) and conn.execute(_ANY_PEPPERED).first() is not None
        pepper_staff(conn, key)
        if not stale:
            set_state(conn, KEY_ID, key_id(key))
    return stale


def claim(engine: Engine, key: bytes) -> None:
    """The sync daemon has started the full pull that re-peppers every hash with `key`."""
    with engine.execution_options(plateau_immediate=True).begin() as conn:
        set_state(conn, KEY_ID, key_id(key))
