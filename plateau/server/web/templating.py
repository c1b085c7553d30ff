"""Jinja2 templates of the web pages, with the filters every page uses (money, instants, dates).

One `Environment` per process, built on first use (autoescaping on: every value a person
typed is escaped). `render` answers an HTMLResponse in the request's language.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from plateau.domain.money import format_euros
from plateau.reports.periods import MONTH_FR, WEEKDAY_FR
from plateau.server.web.paths import TEMPLATES
from plateau.server.web.i18n import COOKIE, gettext, request_lang


def euros(cents: int | None, lang: str = "fr") -> str:
    """1234 -> '12,34 €' (fr) or '€12.34' (en); None -> '—'."""
    return "—" if cents is None else format_euros(cents, lang)


def local_time(instant: datetime | None, tz: str, fmt: str = "%d/%m/%Y %H:%M") -> str:
    if instant is None:
        return "—"
    return instant.astimezone(ZoneInfo(tz)).strftime(fmt)


def local_span(start: datetime, end: datetime, tz: str) -> tuple[str, str]:
    """An opposition's span as shown: whole days (the last one inclusive) when it runs midnight to
    midnight, else both instants."""
    zone = ZoneInfo(tz)
    a, b = start.astimezone(zone), end.astimezone(zone)
    if (a.hour, a.minute, a.second, b.hour, b.minute, b.second) == (0,) * 6:
        return a.strftime("%d/%m/%Y"), (b - timedelta(days=1)).strftime("%d/%m/%Y")
    return a.strftime("%d/%m/%Y %H:%M"), b.strftime("%d/%m/%Y %H:%M")


def long_date(day: date, lang: str = "fr") -> str:
    if lang == "en":
        return day.strftime("%A %d %B %Y")
    return f"{WEEKDAY_FR[day.weekday()]} {day.day} {MONTH_FR[day.month - 1]} {day.year}"


# Every page of the office and the Espace Famille: scripts, styles, images and requests from this
# server only (htmx's XHRs included), no inline script, no eval (htmx's is turned off in
# base.html), forms that post here only, never in a frame. Inline `style` attributes stay allowed
# (the Today page's bars are drawn with them); `<style>` elements do not. The badge pages set a
# narrower one of their own (web/famille/badge.py); the page that posts a payment to the bank is
# an API answer with its own.
CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; style-src-attr 'unsafe-inline'; "
       "img-src 'self' data:; connect-src 'self'; form-action 'self'; base-uri 'none'; "
       "frame-ancestors 'none'")


@lru_cache(maxsize=1)
def environment() -> Environment:
    env = Environment(loader=FileSystemLoader(str(TEMPLATES)), autoescape=select_autoescape(["html"]),
                      undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True)
    env.globals.update(local_time=local_time, local_span=local_span)
    return env


def render(request, template: str, context: dict | None = None, *, status: int = 200,
           headers: dict | None = None) -> HTMLResponse:
    lang = request_lang(request)
    ctx = {"request": request, "lang": lang, "_": gettext(lang),
           "euros": lambda c: euros(c, lang), "long_date": lambda d: long_date(d, lang), **(context or {})}
    html = environment().get_template(template).render(ctx)
    response = HTMLResponse(html, status_code=status, headers=headers)
    if request.query_params.get("lang") in ("fr", "en") and request.cookies.get(COOKIE) != lang:
        response.set_cookie(COOKIE, lang, max_age=365 * 86400, path="/", samesite="lax", httponly=True)
    response.headers.setdefault("Cache-Control", "no-store")
    response.headers.setdefault("Content-Security-Policy", CSP)
    response.headers.setdefault("X-Frame-Options", "DENY")
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    return response
