"""Sign-in, sign-out, activation and password reset of the Espace Famille.

Each goes through the family API's own functions: the sign-in checks the account exactly like
`POST /api/v1/family/session` (same argon2 check, same throttle and limits, so wrong passwords
on the API and on the portal add up), and activation and reset call the API's route functions.
Forms before a session carry a double-submit CSRF token (a cookie and a hidden field).
"""

from __future__ import annotations

import asyncio
import secrets

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse
from pydantic import ValidationError

from plateau.server.errors import ApiError
from plateau.server.family import accounts
from plateau.server.family.schemas import CodeIn, EmailIn
from plateau.server.throttle import FAMILY_PER_ADDRESS, account_key, sign_in_keys, throttle_of
from plateau.server.routes import family as api
from plateau.server.web import sessions
from plateau.server.web.errors import WebError
from plateau.server.web.famille.deps import COOKIE, LOGIN, REALM, Famille, Form, db_of, in_thread, render_page, words

router = APIRouter()
DOOR_CSRF = "plateau_famille_door"


def _safe_next(target: str | None) -> str:
    if target and target.startswith("/famille/") and not target.startswith("//") and "\\" not in target:
        return target
    return "/famille/"


def _door(request: Request, template: str, context: dict, *, status: int = 200, headers: dict | None = None):
    """A page with a form used before signing in, with its double-submit CSRF token."""
    token = request.cookies.get(DOOR_CSRF) or secrets.token_urlsafe(24)
    response = render_page(request, template, {"csrf": token, "error": None, "notice": None, **context},
                           status=status, headers=headers)
    sessions.set_cookie(response, request, DOOR_CSRF, token, path="/famille")
    return response


async def _door_form(request: Request) -> dict:
    form = await request.form()
    if not sessions.same_token(form.get("csrf"), request.cookies.get(DOOR_CSRF)):
        raise WebError(403, words(request)("This form has expired or did not come from this site. Reload the "
                                           "page and try again."))
    return {k: str(form.get(k) or "") for k in form.keys()}


def _login_page(request: Request, **context):
    status, headers = context.pop("status", 200), context.pop("headers", None)
    context.setdefault("email", "")
    context.setdefault("next", _safe_next(request.query_params.get("next")))
    if request.query_params.get("fait") == "mot-de-passe":
        context.setdefault("notice", words(request)("Your password is set: sign in with it."))
    return _door(request, "famille/login.html", context, status=status, headers=headers)


@router.get("/famille/login")
def login_form(request: Request):
    return _login_page(request)


def _address(request: Request) -> str:
    return request.client.host if request.client else "unknown"


@router.post("/famille/login")
async def login(request: Request):
    _ = words(request)
    form = await _door_form(request)
    email, password = form.get("email", "").strip().lower()[:254], form.get("password", "")
    nxt = _safe_next(form.get("next"))
    throttle, limits = throttle_of(request), sign_in_keys("family", email, _address(request), FAMILY_PER_ADDRESS)
    wait = await in_thread(throttle.retry_after, limits)
    if wait:
        return _login_page(request, email=email, next=nxt, status=429, headers={"Retry-After": str(wait)},
                           error=_("Too many failed attempts. Try again in {n} min.", n=max(1, (wait + 59) // 60)))
    db = db_of(request)

    def check():
        with db.read() as s:  # the slow hash is checked outside the write lock
            account = accounts.find_account(s, email)
            ok = accounts.check_password(account.password_hash if account else None, password) \
                and account is not None and accounts.has_access(s, account.email)
            return account.id if ok else None

    account_id = await in_thread(check)
    if account_id is None:
        await asyncio.sleep(await in_thread(throttle.failed, limits))
        return _login_page(request, email=email, next=nxt, status=401, error=_("Wrong e-mail or password."))
    await in_thread(throttle.succeeded, account_key("family", email))

    def open_session():
        with db.write() as s:
            return sessions.create(s, REALM, account_id, None)[0]

    token = await in_thread(open_session)
    response = RedirectResponse(nxt, status_code=303)
    sessions.set_cookie(response, request, COOKIE, token, path="/famille",
                        max_age=int(sessions.LIFETIME.total_seconds()))
    return response


@router.post("/famille/logout")
async def logout(request: Request, ctx: Famille, form: Form):
    return await sessions.sign_out(request, db_of(request), COOKIE, "/famille", LOGIN)


# --- activation and password reset: the API's own route functions ------------------------------------

_CODE_ERRORS = {"invalid_code": "This code is unknown, already used or expired: ask the school for a new one.",
                "too_many_requests": "Too many wrong codes. Try again in a few minutes."}


def _code_error(request: Request, exc: ApiError) -> str:
    _ = words(request)
    if exc.error in _CODE_ERRORS:
        return _(_CODE_ERRORS[exc.error])
    if "e-mail" in exc.reason and "already" in exc.reason:
        return _("This e-mail address already has an account: sign in with it, or use another address.")
    if "e-mail" in exc.reason:
        return _("This code comes from a letter: give the e-mail address you will sign in with.")
    return _("This account has no pupil any more.")


def _code_page(request: Request, template: str, **context):
    context.setdefault("code", request.query_params.get("code", "")[:40])
    context.setdefault("email", "")
    return _door(request, template, context, status=context.pop("status", 200))


async def _redeem(request: Request, template: str, route):
    _ = words(request)
    form = await _door_form(request)
    code, password, email = form.get("code", "").strip(), form.get("password", ""), form.get("email", "").strip()
    if password != form.get("password2", ""):
        return _code_page(request, template, code=code, email=email, status=422,
                          error=_("The two passwords differ."))
    try:
        body = CodeIn(code=code, password=password, email=email or None)
    except ValidationError:
        return _code_page(request, template, code=code, email=email, status=422,
                          error=_("A password has 10 to 200 characters."))
    try:
        await in_thread(route, body, request, db_of(request))
    except ApiError as exc:
        return _code_page(request, template, code=code, email=email, status=exc.status,
                          error=_code_error(request, exc))
    return RedirectResponse(LOGIN + "?fait=mot-de-passe", status_code=303)


@router.get("/famille/activer")
def activation_form(request: Request):
    return _code_page(request, "famille/activate.html")


@router.post("/famille/activer")
async def activation(request: Request):
    return await _redeem(request, "famille/activate.html", api.activate)


@router.get("/famille/mot-de-passe")
def reset_confirm_form(request: Request):
    return _code_page(request, "famille/reset_confirm.html")


@router.post("/famille/mot-de-passe")
async def reset_confirm(request: Request):
    return await _redeem(request, "famille/reset_confirm.html", api.confirm_password_reset)


@router.get("/famille/mot-de-passe-oublie")
def reset_form(request: Request):
    return _door(request, "famille/reset.html", {"email": "", "sent": False})


@router.post("/famille/mot-de-passe-oublie")
async def reset(request: Request):
    _ = words(request)
    form = await _door_form(request)
    email = form.get("email", "").strip()[:254]
    try:
        await in_thread(api.ask_password_reset, EmailIn(email=email), request, db_of(request))
    except ApiError as exc:
        return _door(request, "famille/reset.html", {"email": email, "sent": False, "error": _(
            "Too many requests. Try again in a few minutes." if exc.status == 429 else "Check the e-mail address.")},
            status=exc.status)
    return _door(request, "famille/reset.html", {"email": email, "sent": True})

