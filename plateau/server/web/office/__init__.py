"""The office (`/office/`): the school's back office, one router per area.

Pages are server-rendered documents (Jinja2) over the same store functions as the JSON API;
forms work without JavaScript, and htmx refreshes the live parts. What each role may open is
`roles.PERMISSIONS`.
"""

from __future__ import annotations

import importlib

from starlette.requests import Request

AREAS = ("signin", "today", "persons", "person_actions", "cards", "bookings", "bulk_bookings", "absences",
         "imports", "menus", "messages", "settings", "stations", "staff",
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

    # last: any other /office/ address is a page that does not exist (an HTML page, not JSON)
    root.add_api_route("/office/{rest:path}", _not_found, methods=["GET"])
    return root


async def _not_found(request: Request, rest: str):
    from plateau.server.web.errors import WebError
    from plateau.server.web.i18n import gettext, request_lang

    raise WebError(404, gettext(request_lang(request))("Not found."))
