"""Sign-in, sign-out and the site switch of the office.

The sign-in form is protected against CSRF by a double-submit token (a cookie and a hidden
field that must match; there is no session yet). Wrong passwords are slowed, then refused with
429 for a while (`plateau.server.throttle`), per account and per client address, counted in
the database for every server process.
"""

from __future__ import annotations

import asyncio
import secrets

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse
from sqlalchemy import update

from plateau.server import accounts, audit
from plateau.server.office_models import WebSession
from plateau.server.throttle import OFFICE_PER_ADDRESS, account_key, sign_in_keys, throttle_of
from plateau.server.web import sessions
from plateau.server.web.errors import WebError
from plateau.server.web.i18n import gettext, request_lang
from plateau.server.web.office.deps import COOKIE, LOGIN, Form, Office, db_of, in_thread
from plateau.server.web.templating import render

router = APIRouter()
LOGIN_CSRF = "plateau_office_login"


def _safe_next(target: str | None) -> str:
    if target and target.startswith("/office/") and not target.startswith("//") and "\\" not in target:
        return target
    return "/office/"


def _login_page(request: Request, *, error: str | None = None, status: int = 200, email: str = "",
                headers: dict | None = None):
    token = request.cookies.get(LOGIN_CSRF) or secrets.token_urlsafe(24)
    response = render(request, "office/login.html", {"csrf": token, "error": error, "email": email,
                                                      "next": _safe_next(request.query_params.get("next"))},
                      status=status, headers=headers)
    sessions.set_cookie(response, request, LOGIN_CSRF, token, path=LOGIN)
    return response


@router.get("/office/login")
def login_form(request: Request):
    return _login_page(request)


@router.post("/office/login")
async def login(request: Request):
    _ = gettext(request_lang(request))
    form = await request.form()
    if not sessions.same_token(form.get("csrf"), request.cookies.get(LOGIN_CSRF)):
        raise WebError(403, _("This form has expired or did not come from this office. Reload the page and "
                              "try again."))
    email, password = str(form.get("email") or "")[:254], str(form.get("password") or "")
    throttle = throttle_of(request)
    keys = sign_in_keys("office", email, request.client.host if request.client else None, OFFICE_PER_ADDRESS)
    wait = await in_thread(throttle.retry_after, keys)
    if wait:
        minutes = max(1, (wait + 59) // 60)
        return _login_page(request, status=429, email=email, headers={"Retry-After": str(wait)},
                           error=_("Too many failed attempts. Try again in {n} min.", n=minutes))
    db = db_of(request)

    def check():
        with db.read() as s:
            user = accounts.check_sign_in(s, email, password)
            sites = accounts.user_sites(s, user.id) if user else []
            return (user.id, user.email, sites[0].code if sites else None) if user else None

    found = await in_thread(check)
    if found is None:
        await asyncio.sleep(await in_thread(throttle.failed, keys))
        return _login_page(request, status=401, email=email, error=_("Wrong e-mail or password."))
    await in_thread(throttle.succeeded, account_key("office", email))
    user_id, user_email, site_code = found

    def open_session():
        with db.write() as s:
            token, _row = sessions.create(s, accounts.REALM, user_id, site_code)
            audit.record(s, audit.office_actor(user_email), "session.sign_in", target=f"user:{user_email}")
            return token

    token = await in_thread(open_session)
    response = RedirectResponse(_safe_next(str(form.get("next") or "")), status_code=303)
    sessions.set_cookie(response, request, COOKIE, token, path="/office",
                        max_age=int(sessions.LIFETIME.total_seconds()))
    response.delete_cookie(LOGIN_CSRF, path=LOGIN)
    return response


@router.post("/office/logout")
async def logout(request: Request, ctx: Office, form: Form):
    return await sessions.sign_out(request, db_of(request), COOKIE, "/office", LOGIN)


@router.post("/office/site")
async def switch_site(request: Request, ctx: Office, form: Form):
    code = str(form.get("site") or "")
    if code not in {c for c, _n in ctx.sites}:
        raise WebError(403, gettext(request_lang(request))("You may not see this site."))

    def save():
        with db_of(request).write() as s:
            s.execute(update(WebSession).where(WebSession.token_hash == ctx.token_hash).values(site_code=code))

    await in_thread(save)
    return RedirectResponse(_safe_next(str(form.get("next") or "")), status_code=303)
