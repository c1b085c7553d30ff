"""Bearer tokens: made here, shown once, stored only as a SHA-256 hash.

Tokens are 256 random bits, so a plain SHA-256 (not a slow password hash) is enough: there is
nothing to brute-force, and every request can check its token with one indexed lookup.
"""

from __future__ import annotations

import hashlib
import secrets

PREFIX_STATION = "pst_"
PREFIX_ADMIN = "pad_"


def new_token(prefix: str) -> str:
    return prefix + secrets.token_urlsafe(32)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "replace")).hexdigest()
