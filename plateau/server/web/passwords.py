"""Password hashing for web accounts: argon2id (memory-hard), through argon2-cffi.

`verify` costs the same whether or not the account exists (a dummy hash is checked for unknown
accounts), so the time of an answer does not tell which e-mail addresses have an account.
"""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

# argon2-cffi's defaults (RFC 9106 low-memory profile: t=3, m=64 MiB, p=4): ~50 ms here
_HASHER = PasswordHasher()
_DUMMY = _HASHER.hash("not a password: equalises the time of unknown accounts")
MIN_LENGTH = 10
MAX_LENGTH = 200


class PasswordPolicyError(ValueError):
    """A password refused at creation (message for a person)."""


def check_policy(password: str) -> str:
    if not isinstance(password, str) or len(password) < MIN_LENGTH:
        raise PasswordPolicyError(f"a password needs at least {MIN_LENGTH} characters")
    if len(password) > MAX_LENGTH:
        raise PasswordPolicyError(f"a password has at most {MAX_LENGTH} characters")
    return password


def hash_password(password: str) -> str:
    return _HASHER.hash(check_policy(password))


def verify(stored_hash: str | None, password: str) -> bool:
    """True when `password` matches `stored_hash`; None (no such account) costs the same and is False."""
    try:
        _HASHER.verify(stored_hash or _DUMMY, password[:MAX_LENGTH])
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False
    return stored_hash is not None
