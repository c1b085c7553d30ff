"""The Espace Famille (`/famille/`): the families' portal, phone first, French by default.

Pages are server-rendered documents over the SAME functions as the family API
(`plateau.server.family.*` and the API's own route helpers), signed in with a web session
(realm `famille`, `plateau.server.web.sessions`) instead of a bearer token. Forms work without
JavaScript; every state-changing form carries the session's CSRF token.
"""

from __future__ import annotations

import importlib

AREAS = ("signin", "pages", "bookings", "money", "messages", "office_payments", "badge")


def router():
    from fastapi import APIRouter

    root = APIRouter(include_in_schema=False)
    for name in AREAS:
        root.include_router(importlib.import_module(f"plateau.server.web.famille.{name}").router)
    return root
