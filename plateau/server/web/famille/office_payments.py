"""The office's view of a day's online payments (`/office/online-payments?date=`): each top-up
families started that day at the site, its pupil, payer, amount and state (credited, waiting
for the bank, refused), and the day's credited total, for the gestionnaire's reconciliation
with the provider's statement. Read only; the `payments` permission (admin, gestionnaire).
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Request
from sqlalchemy import select

from plateau.server import family_models as fm

from plateau.server import models as m
from plateau.server.family.deps import now_of
from plateau.server.web.famille.words import gettext
from plateau.server.web.i18n import request_lang
from plateau.server.web.office.deps import Office, db_of, need
from plateau.server.web.templating import render

router = APIRouter()


def day_payments(db, site_id: int, tz: str, day: date) -> list[dict]:
    zone = ZoneInfo(tz)
    start = datetime.combine(day, time(0), zone)
    end = datetime.combine(day + timedelta(days=1), time(0), zone)
    with db.read() as s:
        rows = s.execute(select(fm.TopUp, m.Person.first_name, m.Person.last_name, m.Person.class_name,
                                fm.FamilyAccount.email)
                         .join(m.Person, m.Person.id == fm.TopUp.person_id)
                         .join(fm.FamilyAccount, fm.FamilyAccount.id == fm.TopUp.account_id)
                         .where(fm.TopUp.site_id == site_id, fm.TopUp.created_at >= start, fm.TopUp.created_at < end)
                         .order_by(fm.TopUp.created_at)).all()
        return [{"at": t.created_at, "settled_at": t.settled_at, "person_id": t.person_id,
                 "pupil": f"{last} {first}", "class_name": klass, "payer": email, "amount_cents": t.amount_cents,
                 "status": t.status, "reference": t.reference, "backend": t.backend}
                for t, first, last, klass, email in rows]


@router.get("/office/online-payments")
def online_payments(request: Request, ctx: Office):
    need(request, ctx, "payments")
    today = now_of(request).astimezone(ZoneInfo(ctx.timezone)).date()
    try:
        day = date.fromisoformat(request.query_params.get("date") or "")
    except ValueError:
        day = today
    rows = day_payments(db_of(request), ctx.site_id, ctx.timezone, day)
    paid = [r for r in rows if r["status"] == "paid"]
    return render(request, "famille/office_payments.html", {
        "office": ctx, "page": "payments", "_": gettext(request_lang(request)), "day": day, "rows": rows,
        "paid_count": len(paid), "paid_cents": sum(r["amount_cents"] for r in paid),
        "pending": sum(r["status"] == "pending" for r in rows),
        "previous": day - timedelta(days=1), "following": day + timedelta(days=1)})
