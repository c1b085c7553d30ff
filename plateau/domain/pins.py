"""Staff PINs: salted scrypt hashes made by the server, peppered on the station, and the lockout
policy of the kiosk's PIN pad. Pure (hashlib only, no files).

The server hashes a PIN as 'scrypt$n$r$p$salt$digest' (`hash_pin`) and sends that hash to its
stations in the change feed. A station never stores the digest itself: as soon as a hash reaches
its database it is *peppered* (`pepper_hash`): the digest is replaced by HMAC-SHA256(key, digest),
'scrypt-hmac$n$r$p$salt$mac', with a key kept in a file outside the database. No PIN is needed to
pepper a hash, so hashes computed by the server work unchanged; checking a PIN recomputes the
scrypt digest, then its HMAC. A copy of the database without the key file cannot check a single
guess, so it cannot be brute-forced offline (with the key, each guess still costs one scrypt).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
from dataclasses import dataclass

_N, _R, _P = 2 ** 14, 8, 1
PEPPERED = "scrypt-hmac"


def hash_pin(pin: str, *, fast: bool = False) -> str:
    """'scrypt$n$r$p$salt$hash'. `fast` lowers the cost for generated demo data only."""
    if not pin or not pin.isascii() or not pin.isdigit() or not 4 <= len(pin) <= 12:
        raise ValueError("a PIN is 4 to 12 digits")
    n = 2 ** 10 if fast else _N
    salt = os.urandom(16)
    digest = hashlib.scrypt(pin.encode(), salt=salt, n=n, r=_R, p=_P, dklen=32)
    return "$".join(("scrypt", str(n), str(_R), str(_P), base64.b64encode(salt).decode(),
                     base64.b64encode(digest).decode()))


def _mac(key: bytes, digest: bytes) -> bytes:
    return hmac.new(key, b"plateau-pin\0" + digest, hashlib.sha256).digest()


def pepper_hash(stored: str, key: bytes) -> str:
    """The station's form of a server hash: 'scrypt$…$digest' → 'scrypt-hmac$…$HMAC(key, digest)'.
    Anything else (already peppered, or not a hash we know) is returned unchanged."""
    parts = stored.split("$")
    if len(parts) != 6 or parts[0] != "scrypt":
        return stored
    try:
        digest = base64.b64decode(parts[5], validate=True)
    except ValueError:
        return stored
    return "$".join([PEPPERED, *parts[1:5], base64.b64encode(_mac(key, digest)).decode()])


def verify_pin(pin: str, stored: str, key: bytes | None = None) -> bool:
    """Does `pin` match `stored` (a server hash, or a peppered one, which needs its `key`)?"""
    try:
        scheme, n, r, p, salt, expected = stored.split("$")
        if scheme not in ("scrypt", PEPPERED) or (scheme == PEPPERED and not key):
            return False
        expected_bytes = base64.b64decode(expected)
        got = hashlib.scrypt(pin.encode(), salt=base64.b64decode(salt), n=int(n), r=int(r), p=int(p),
                             dklen=32 if scheme == PEPPERED else len(expected_bytes))
    except (ValueError, TypeError, MemoryError):
        return False
    if scheme == PEPPERED:
        got = _mac(key, got)
    return hmac.compare_digest(got, expected_bytes)


def key_id(key: bytes) -> str:
    """A short fingerprint of a pepper key (stored beside the hashes to notice a changed key)."""
    return hmac.new(key, b"plateau-pin-key-id", hashlib.sha256).hexdigest()[:16]


@dataclass(frozen=True)
class LockoutPolicy:
    """`failures` wrong PINs in a row lock the pad; each lock lasts the next of `steps` (seconds),
    the last one repeating, until a right PIN starts the count again."""

    failures: int = 5
    steps: tuple[float, ...] = (60.0, 300.0, 900.0, 3600.0)

    def lock_seconds(self, lockouts: int) -> float:
        """How long the `lockouts`-th lock (1 = the first) lasts."""
        return self.steps[min(max(lockouts, 1), len(self.steps)) - 1]
