"""The office (`/office/`): the school's back office, one router per area.

Pages are server-rendered documents (Jinja2) over the same store functions as the JSON API;
forms work without JavaScript, and htmx refreshes the live parts. What each role may open is
`roles.PERMISSIONS`.
"""

from __future__ import annotations

import importlib

AREAS = ("signin", "today", "persons", "person_actions", "cards", "bookings", "bulk_bookings", "absences",
         "imports", "menus", "settings", "stations", "staff",
         "admin_pages")


def router():
    from fastapi import APIRouter

    root = APIRouter(include_in_schema=False)
    for name in AREAS:
        try:
            module = importlib.import_module(f"plateau.server.web.office.{name}")
        except ModuleNotFoundError as exc:
            if exc.name != f"plateau.server.web.office.{name}":
                raise
            continue
        root.include_router(module.router)
    return root
