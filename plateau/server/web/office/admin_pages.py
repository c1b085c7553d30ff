"""Reports (downloads of the existing PDF/CSV reports), the site's stations and the audit log.

Report files are `plateau.reports.produce.build`, the same bytes as `plateau report` and the
JSON API's downloads, served here under the office's session instead of a bearer token.
"""

from __future__ import annotations

import io
from datetime import date, timedelta
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Request
from fastapi.responses import Response
from sqlalchemy import or_, select

from plateau.reports.produce import FORMATS, MEDIA, Options, SessionSource, build
from plateau.server import accounts, feed
from plateau.server.office_models import AuditEntry
from plateau.server.web.errors import WebError
from plateau.server.web.i18n import gettext, request_lang
from plateau.server.web.office.deps import Office, db_of, need
from plateau.server.web.templating import render

router = APIRouter()
REPORTS = (("daily", "pdf", "Daily headcount (PDF)"), ("daily", "csv", "Daily headcount (CSV)"),
           ("no-shows", "csv", "No-shows (CSV, for PRONOTE)"), ("forecast", "csv", "Kitchen forecast (CSV)"),
           ("week", "pdf", "Week (PDF)"), ("month", "pdf", "Month (PDF)"))


def _today(ctx) -> date:
    return feed.now().astimezone(ZoneInfo(ctx.timezone)).date()


def _day(request: Request, ctx) -> date:
    text = request.query_params.get("date", "")
    try:
        return date.fromisoformat(text) if text else _today(ctx)
    except ValueError:
        raise WebError(400, "date: YYYY-MM-DD") from None


@router.get("/office/reports")
def reports(request: Request, ctx: Office):
    need(request, ctx, "reports")
    return render(request, "office/reports.html", {"office": ctx, "page": "reports", "day": _day(request, ctx),
                                                   "reports": REPORTS})


@router.get("/office/reports/{what}.{fmt}")
def download(request: Request, ctx: Office, what: str, fmt: str):
    need(request, ctx, "reports")
    if what not in FORMATS or fmt not in FORMATS[what]:
        raise WebError(404, gettext(request_lang(request))("Not found."))
    day, today = _day(request, ctx), _today(ctx)
    if what == "forecast" and not request.query_params.get("date"):
        day = today + timedelta(days=1)
    with db_of(request).read() as s:
        data, name = build(what, fmt, SessionSource(s, ctx.site_code, ctx.site_name, ctx.timezone), day,
                           Options(lang=request_lang(request), today=today))
        if callable(data):  # a PDF writer
            buf = io.BytesIO()
            data(buf)
            data = buf.getvalue()
    return Response(content=data, media_type=MEDIA[fmt],
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})


@router.get("/office/audit")
def audit_log(request: Request, ctx: Office):
    need(request, ctx, "audit")
    with db_of(request).read() as s:
        # the site's entries, and the site-less ones (accounts, sign-ins) about this site's office users
        emails = [f"user:{u.email}" for u, _sites in accounts.list_users(s, ctx.site_code)]
        q = select(AuditEntry).where(or_(AuditEntry.site_id == ctx.site_id,
                                         (AuditEntry.site_id.is_(None)) & AuditEntry.target.in_(emails)))
        entries = list(s.execute(q.order_by(AuditEntry.id.desc()).limit(200)).scalars())
        return render(request, "office/audit.html", {"office": ctx, "page": "audit", "entries": entries})
