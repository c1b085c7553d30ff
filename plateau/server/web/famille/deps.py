"""Who is signed in to the Espace Famille, and which child a page is about.

`Famille` resolves the `plateau_famille` cookie to a `FamilyContext` (the account, its
children as the family API lists them, the session's CSRF token) or sends the browser to the
sign-in page. `child_of(ctx, id)` answers 404 for a pupil that is not one of the family's (the
same answer whether it exists or not). `verified_form` refuses a POST without the session's
CSRF token (403). `render_page` renders with the portal's words (`words.py`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request
from starlette.concurrency import run_in_threadpool

from plateau.server import ledger
from plateau.server import family_models as fm
from plateau.server.family import accounts
from plateau.server.family.deps import now_of
from plateau.server.web import sessions
from plateau.server.web.errors import NotSignedIn, WebError
from plateau.server.web.famille.words import gettext
from plateau.server.web.i18n import request_lang
from plateau.server.web.templating import render

REALM = "famille"
COOKIE = "plateau_famille"
LOGIN = "/famille/login"


@dataclass(frozen=True)
class Kid:
    """One child of the signed-in family, as its pages show it (a plain value, any thread)."""

    id: int
    first_name: str
    last_name: str
    class_name: str | None
    plan: str
    site_code: str
    site_name: str
    timezone: str
    financial: bool
    balance_cents: int


@dataclass(frozen=True)
class FamilyContext:
    account_id: int
    email: str
    csrf: str
    token_hash: str
    children: tuple[Kid, ...]

    @property
    def family(self) -> accounts.Family:
        """The family as the API's functions know it (the web session has no API token)."""
        return accounts.Family(self.account_id, self.email, 0)


def db_of(request: Request):
    return request.app.state.db


def kids_of(s, email: str) -> tuple[Kid, ...]:
    found = accounts.children(s, email)
    balances = {b["person"]: b["balance_cents"] for b in ledger.balances_of(s, [c.person.id for c in found])}
    return tuple(Kid(c.person.id, c.person.first_name, c.person.last_name, c.person.class_name, c.person.plan,
                     c.site.code, c.site.name, c.site.timezone, c.financial, balances[c.person.id]) for c in found)


def _resolve(request: Request) -> FamilyContext:
    db, token = db_of(request), request.cookies.get(COOKIE)
    with db.read() as s:
        row = sessions.lookup(s, REALM, token)
        account = s.get(fm.FamilyAccount, row.subject_id) if row else None
        if row is None or account is None or not accounts.has_access(s, account.email):
            raise NotSignedIn(LOGIN, request.url.path + (f"?{request.url.query}" if request.url.query else ""))
        ctx = FamilyContext(account.id, account.email, row.csrf, row.token_hash, kids_of(s, account.email))
        touch = sessions.needs_touch(row)
    if touch:
        with db.write() as s:
            sessions.touch(s, ctx.token_hash)
    return ctx


def current(request: Request) -> FamilyContext:
    return _resolve(request)


Famille = Annotated[FamilyContext, Depends(current)]


async def signed_in(request: Request) -> bool:
    """Whether the request carries a live family session (the request gate asks, before a body)."""
    token = request.cookies.get(COOKIE)
    if not token:
        return False

    def look() -> bool:
        with db_of(request).read() as s:
            return sessions.lookup(s, REALM, token) is not None
    return await run_in_threadpool(look)


def words(request: Request):
    return gettext(request_lang(request))


def child_of(request: Request, ctx: FamilyContext, raw) -> Kid:
    """The child a page is about: `raw` (the `enfant` parameter) or the first child."""
    if not ctx.children:
        raise WebError(404, words(request)("No pupil is linked to this account any more."))
    if raw in (None, ""):
        return ctx.children[0]
    try:
        wanted = int(raw)
    except (TypeError, ValueError):
        wanted = -1
    kid = next((k for k in ctx.children if k.id == wanted), None)
    if kid is None:  # another family's pupil or no pupil at all: the same answer
        raise WebError(404, words(request)("This pupil is not one of your children."))
    return kid


async def verified_form(request: Request, ctx: FamilyContext = Depends(current)) -> dict:
    form = await request.form()
    if not sessions.same_token(form.get("csrf"), ctx.csrf):
        raise WebError(403, words(request)("This form has expired or did not come from this site. Reload the "
                                           "page and try again."))
    return {k: form.get(k) for k in form.keys()}


Form = Annotated[dict, Depends(verified_form)]


def render_page(request: Request, template: str, context: dict | None = None, **kw):
    return render(request, template, {"_": words(request), **(context or {})}, **kw)


async def in_thread(fn, *args, **kwargs):
    return await run_in_threadpool(fn, *args, **kwargs)


__all__ = ["COOKIE", "Famille", "FamilyContext", "Form", "Kid", "LOGIN", "REALM", "child_of", "db_of",
           "in_thread", "now_of", "render_page", "signed_in", "words"]
