"""The Espace Famille's phone-badge page (`/famille/badge/`): the child's canteen badge on a phone,
working with no network.

The family turns the badge on from the page (a CSRF-protected form, the same store function as
`PUT /api/v1/family/children/{id}/phone-badge`); the answer is a page that hands the secret to
the browser once (`static/badge.js` imports it as a non-extractable Web Crypto key into the
browser's IndexedDB) and goes on to the badge page. That page computes the RFC 6238 code of the
moment in the browser, draws the QR code of the payload (`static/qrcode.js`) every 30 s, and is
kept for offline use by a service worker scoped to `/famille/badge/` (`static/badge-sw.js`, served
from inside that scope). Each online load carries the badge's fingerprint (a hash of the secret,
never the secret): the browser drops a secret the server no longer holds (turned off, or
re-issued to another phone).

Only these pages carry a Content-Security-Policy, the narrowest one they work with (`CSP`).
"""

from __future__ import annotations

import hashlib
import json

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from plateau.domain.phone_badge import payload_template
from plateau.server import models as m
from plateau.server import store
from plateau.server.family import phone_badge
from plateau.server.web.famille.deps import (Famille, FamilyContext, Form, Kid, child_of, db_of, in_thread, now_of,
                                             words)
from plateau.server.web.famille.pages import page
from plateau.server.web.i18n import request_lang
from plateau.server.web.paths import STATIC

router = APIRouter()

SCOPE = "/famille/badge/"
# scripts, styles and the worker from this server only, no inline code, no network from the page
# itself (the worker alone fetches, to keep the page for offline use), no framing, forms only here
CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; manifest-src 'self'; "
       "worker-src 'self'; connect-src 'none'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'")
WORKER_CSP = "default-src 'none'; connect-src 'self'"


def fingerprint(secret: str) -> str:
    """What the page may say of the secret it should find on the phone: 64 bits of its SHA-256
    (tells two secrets apart, reveals nothing usable of a 160-bit secret)."""
    return hashlib.sha256(secret.encode()).hexdigest()[:16]


def _state(request: Request, kid: Kid) -> dict:
    with db_of(request).read() as s:
        site = store.get_site(s, kid.site_code)
        row = phone_badge.status(s, kid.id)
        allowed = phone_badge.allowed(site)
        return {"allowed": allowed, "enabled": row is not None, "issued_at": row.issued_at if row else None,
                "fingerprint": fingerprint(row.secret) if row else "",
                "payload": payload_template(kid.site_code, kid.id),
                "digits": row.digits if row else 0, "period": row.period if row else 0}


def _badge_page(request: Request, ctx: FamilyContext, kid: Kid, template: str = "famille/badge.html",
                status: int = 200, **context):
    response = page(request, ctx, template, "badge", kid, status=status, badge=_state(request, kid),
                    scope=SCOPE, **context)
    response.headers["Content-Security-Policy"] = CSP
    return response


@router.get(SCOPE)
def badge(request: Request, ctx: Famille, enfant: str | None = None, fait: str | None = None):
    kid = child_of(request, ctx, enfant)
    _ = words(request)
    flash = {"off": _("The phone badge is turned off: its codes no longer work at the canteen."),
             "on": _("The phone badge is ready on this phone.")}.get(fait or "")
    return _badge_page(request, ctx, kid, flash=flash)


def _confirming(request: Request, ctx: FamilyContext, kid: Kid, action: str):
    return _badge_page(request, ctx, kid, "famille/badge_confirm.html", action=action)


@router.post(SCOPE + "activer")
async def turn_on(request: Request, ctx: Famille, form: Form):
    """Turn the badge on for this phone. Replacing a badge that is on (a lost or new phone) asks
    for a confirmation first: the other phone's codes stop working."""
    kid = child_of(request, ctx, form.get("enfant"))
    if (await in_thread(_state, request, kid))["enabled"] and form.get("confirm") != "1":
        return _confirming(request, ctx, kid, "on")
    db, now = db_of(request), now_of(request)

    def issue() -> phone_badge.Issued | None:
        with db.write() as s:
            person, site = s.get(m.Person, kid.id), store.get_site(s, kid.site_code)
            try:
                return phone_badge.turn_on(s, site, person, ctx.email, now)
            except phone_badge.NotAllowed:
                return None

    issued = await in_thread(issue)
    if issued is None:
        return _badge_page(request, ctx, kid, status=409)
    # the one answer that carries the secret: badge.js stores it and replaces this page at once
    return _badge_page(request, ctx, kid, "famille/badge_provision.html", issued=issued,
                       issued_fingerprint=fingerprint(issued.secret))


@router.post(SCOPE + "desactiver")
async def turn_off(request: Request, ctx: Famille, form: Form):
    """Turn the badge off (a lost phone), after a confirmation; the page then wipes the secret
    from whichever phone opens it online."""
    kid = child_of(request, ctx, form.get("enfant"))
    if form.get("confirm") != "1":
        return _confirming(request, ctx, kid, "off")
    db = db_of(request)

    def off() -> None:
        with db.write() as s:
            phone_badge.turn_off(s, store.get_site(s, kid.site_code), s.get(m.Person, kid.id))

    await in_thread(off)
    return RedirectResponse(f"{SCOPE}?enfant={kid.id}&fait=off", status_code=303)


@router.get(SCOPE + "activer")
@router.get(SCOPE + "desactiver")
def back_to_the_badge(lang: str | None = None) -> RedirectResponse:
    """A form's address opened with GET (the footer's language links on a form's answer, a reload
    from history): the badge page, in the language asked for."""
    return RedirectResponse(SCOPE + (f"?lang={lang}" if lang in ("fr", "en") else ""), status_code=303)


@router.get(SCOPE + "sw.js")
def service_worker() -> Response:
    """The service worker, served from inside its scope (a worker controls only pages under its
    own folder) and revalidated on each visit (a new version replaces the old at once)."""
    return Response((STATIC / "badge-sw.js").read_text(encoding="utf-8"), media_type="text/javascript",
                    headers={"Cache-Control": "no-cache", "Content-Security-Policy": WORKER_CSP,
                             "X-Content-Type-Options": "nosniff"})


@router.get(SCOPE + "manifest.webmanifest")
def manifest(request: Request, enfant: int | None = None) -> Response:
    """What the phone needs to install the child's badge page on its home screen. Browsers fetch a
    manifest without the session cookie, so it names nobody: only which child's page to open."""
    _ = words(request)
    start = f"{SCOPE}?enfant={enfant}" if enfant else SCOPE
    body = {"name": _("Canteen badge"), "short_name": _("Badge"), "lang": request_lang(request),
            "start_url": start, "scope": SCOPE, "id": start, "display": "standalone",
            "background_color": "#ffffff", "theme_color": "#0b4f8a",
            "icons": [{"src": "/static/badge-icon-192.png", "sizes": "192x192", "type": "image/png"},
                      {"src": "/static/badge-icon-512.png", "sizes": "512x512", "type": "image/png"}]}
    return Response(json.dumps(body, ensure_ascii=False), media_type="application/manifest+json",
                    headers={"Cache-Control": "no-cache"})
