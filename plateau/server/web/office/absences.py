"""The vie scolaire's page: the oppositions (absences, unpaid, ...) of a day, site-wide, to
check and lift; entering one is on the pupil's page, importing a day's absences on Imports."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Request
from sqlalchemy import select

from plateau.server import feed
from plateau.server import models as m
from plateau.server.web.collation import french_key
from plateau.server.web.errors import WebError
from plateau.server.web.office.deps import Office, db_of, need
from plateau.server.web.templating import render

router = APIRouter()


@router.get("/office/oppositions")
def absences(request: Request, ctx: Office):
    need(request, ctx, "oppositions")
    tz = ZoneInfo(ctx.timezone)
    text = request.query_params.get("date", "")
    try:
        day = date.fromisoformat(text) if text else feed.now().astimezone(tz).date()
    except ValueError:
        raise WebError(400, "date: YYYY-MM-DD") from None
    start, end = datetime.combine(day, time(0), tz), datetime.combine(day + timedelta(days=1), time(0), tz)
    with db_of(request).read() as s:
        rows = s.execute(select(m.Opposition, m.Person).join(m.Person, m.Person.id == m.Opposition.person_id)
                         .where(m.Opposition.site_id == ctx.site_id, m.Opposition.starts_at < end,
                                m.Opposition.ends_at > start)).all()
        items = sorted(({"o": o, "p": p} for o, p in rows),
                       key=lambda r: (french_key(r["p"].class_name or "~"), french_key(r["p"].last_name,
                                                                                      r["p"].first_name)))
        return render(request, "office/absences.html", {"office": ctx, "page": "oppositions", "day": day,
                                                        "items": items})
