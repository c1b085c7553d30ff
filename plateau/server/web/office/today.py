"""Today, the office's landing page: the day's headcounts per service, live, and the stations.

The figures are `plateau.reports.headcount.compute`'s (the same rules as the PDF, the CSV and the
kiosk's manager view), kept up to date passage by passage (`plateau.server.headcount_live`). The
page's live part is a fragment (`/office/today/live`) that htmx fetches again every second, so a
passage reaching the server shows within about a second without reloading; without JavaScript
the page has a link.
"""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Request

from plateau.reports.headcount import UNKNOWN
from plateau.reports.labels import labels, reason_label
from plateau.server import feed
from plateau.server import models as m
from plateau.server.headcount_live import LiveHeadcounts
from plateau.server.headcount_source import refunded_passages
from plateau.server.web.i18n import request_lang
from plateau.server.web.office.deps import Office, db_of, need
from plateau.server.web.office.station_state import station_rows
from plateau.server.web.templating import render

router = APIRouter()


def _service_view(sh, now_local: datetime, day, lang: str, refunded: frozenset = frozenset()) -> dict:
    L = labels(lang)
    ended = sh.end is None or now_local.strftime("%H:%M") >= sh.end or now_local.date() > day
    t = sh.totals
    slots = sorted(sh.by_slot.items())
    peak = max([v["served"] + v["refusals"] for _k, v in slots] + [1])
    return {
        "code": sh.code, "label": sh.label, "start": sh.start, "end": sh.end, "closed": sh.closed,
        "expected": t.expected, "served": t.served, "overrides": t.overrides,
        "remaining": 0 if ended else t.no_shows, "no_shows": t.no_shows if ended else None,
        "unexpected": t.unexpected, "refusals": t.refusals,
        "reasons": [(reason_label(code, L), v["count"], v["overridden"])
                    for code, v in sorted(sh.refusals_by_reason.items(), key=lambda kv: -kv[1]["count"])],
        "classes": [(L["unknown_badge"] if name == UNKNOWN else name or L["no_class"], c)
                    for name, c in sorted(sh.by_class.items())],
        "slots": [(k, v["served"], v["refusals"], round(100 * v["served"] / peak),
                   round(100 * v["refusals"] / peak)) for k, v in slots],
        # persons served beyond their allowance: two offline stations each let them in
        # persons served beyond their allowance: two offline stations each let them in; an extra
        # passage already refunded from the person's page says so
        "doubles": [{**d, "class_label": d["class_name"] or L["no_class"],
                     "passages": [{**p, "refunded": p["passage_id"] in refunded} for p in d["passages"]]}
                    for d in sh.doubles],
    }


# the day's figures, folded passage by passage as they reach the server (headcount_live.py)
_LIVE = LiveHeadcounts()


def today_view(db, ctx, lang: str, asked: str | None = None) -> dict:
    """The figures of the site's today, or of the day `asked` (YYYY-MM-DD) when it is a date."""
    with db.read() as s:
        site = s.get(m.Site, ctx.site_id)
        tz = ZoneInfo(site.timezone)
        now = feed.now()
        now_local = now.astimezone(tz)
        try:
            day = date.fromisoformat(asked) if asked else now_local.date()
        except ValueError:
            day = now_local.date()
        head = _LIVE.get(s, site, day)
        stations = station_rows(s, site.id, now, lang)
        refunded = refunded_passages(s, site.id, [p["passage_id"] for sh in head.services for d in sh.doubles
                                          for p in d["passages"] if p["extra"]])
    return {"day": day, "is_today": day == now_local.date(), "closed": head.closed,
            "services": [_service_view(sh, now_local, day, lang, refunded) for sh in head.services],
            "stations": stations, "updated": now_local.strftime("%H:%M:%S")}


@router.get("/office/")
def today(request: Request, ctx: Office):
    need(request, ctx, "today")
    return render(request, "office/today.html", {"office": ctx, "page": "today", **today_view(
        db_of(request), ctx, request_lang(request), request.query_params.get("date"))})


@router.get("/office/today/live")
def today_live(request: Request, ctx: Office):
    need(request, ctx, "today")
    return render(request, "office/today_live.html", {"office": ctx, **today_view(
        db_of(request), ctx, request_lang(request), request.query_params.get("date"))})
