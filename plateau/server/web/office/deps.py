"""Who is signed in to the office and what they look at: FastAPI dependencies (typed aliases).

`Office` resolves the session cookie to an `OfficeContext` (the user, their sites, the site being
looked at, the session's CSRF token) or sends the browser to the sign-in page. `need(ctx, perm)`
raises 403 where the role table says no. `verified_form` reads a POSTed form and refuses it with
403 unless it carries the session's CSRF token. Dependencies run on the thread pool (they read
the database); `verified_form` is async (it reads the body).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request
from starlette.concurrency import run_in_threadpool

from plateau.server import accounts
from plateau.server import models as m
from plateau.server.db import Database
from plateau.server.office_models import OfficeUser
from plateau.server.web import sessions
from plateau.server.web.errors import NotSignedIn, WebError
from plateau.server.web.i18n import gettext, request_lang
from plateau.server.web.office.roles import LABELS, allowed

COOKIE = "plateau_office"
LOGIN = "/office/login"


@dataclass(frozen=True)
class OfficeContext:
    """The signed-in office user of one request (a plain value, any thread)."""

    user_id: int
    email: str
    name: str
    role: str
    sites: tuple[tuple[str, str], ...]   # (code, name) the user may see
    site_code: str                       # the site being looked at
    site_id: int
    site_name: str
    timezone: str
    csrf: str
    token_hash: str

    @property
    def actor(self) -> str:
        return f"office:{self.email}"

    @property
    def role_label(self) -> str:
        return LABELS[self.role]

    def can(self, permission: str) -> bool:
        return allowed(self.role, permission)


def db_of(request: Request) -> Database:
    return request.app.state.db


def _resolve(request: Request) -> OfficeContext:
    db = db_of(request)
    token = request.cookies.get(COOKIE)
    with db.read() as s:
        row = sessions.lookup(s, accounts.REALM, token)
        user = s.get(OfficeUser, row.subject_id) if row else None
        if row is None or user is None or not user.active:
            raise NotSignedIn(LOGIN, request.url.path + (f"?{request.url.query}" if request.url.query else ""))
        sites = accounts.user_sites(s, user.id)
        if not sites:
            raise WebError(403, gettext(request_lang(request))("Your account has no site."))
        site: m.Site = next((x for x in sites if x.code == row.site_code), sites[0])
        ctx = OfficeContext(user.id, user.email, user.name, user.role, tuple((x.code, x.name) for x in sites),
                            site.code, site.id, site.name, site.timezone, row.csrf, row.token_hash)
        touch = sessions.needs_touch(row)
    if touch:
        with db.write() as s:
            sessions.touch(s, ctx.token_hash)
    return ctx


async def signed_in(request: Request) -> bool:
    """Whether the request carries a live office session (the request gate asks, before a body)."""
    token = request.cookies.get(COOKIE)
    if not token:
        return False

    def look() -> bool:
        with db_of(request).read() as s:
            return sessions.lookup(s, accounts.REALM, token) is not None
    return await run_in_threadpool(look)


def current(request: Request) -> OfficeContext:
    return _resolve(request)


Office = Annotated[OfficeContext, Depends(current)]


def need(request: Request, ctx: OfficeContext, permission: str) -> None:
    if not ctx.can(permission):
        _ = gettext(request_lang(request))
        raise WebError(403, _("Your role ({role}) may not open this page.", role=_(ctx.role_label)))


async def verified_form(request: Request, ctx: OfficeContext = Depends(current)) -> dict:
    """The POSTed form as a dict of strings (files kept as UploadFile), once its CSRF token matches."""
    form = await request.form()
    if not sessions.same_token(form.get("csrf"), ctx.csrf):
        _ = gettext(request_lang(request))
        raise WebError(403, _("This form has expired or did not come from this office. Reload the page and "
                              "try again."))
    return {k: form.get(k) for k in form.keys()}


Form = Annotated[dict, Depends(verified_form)]


async def in_thread(fn, *args, **kwargs):
    return await run_in_threadpool(fn, *args, **kwargs)
