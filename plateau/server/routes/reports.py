"""Report downloads of a site: the daily PDF, the CSV exports, the kitchen forecast, week and month.

    GET /api/v1/sites/{site}/reports/{what}?date=D&format=pdf|csv|json[&days=N][&lang=fr|en]

`what` is daily | no-shows | forecast | week | month, as `plateau report` (the same bytes:
both call `plateau.reports.produce.build`). The JSON headcount itself is
`GET /sites/{site}/headcounts` (routes/sites.py). Sync route: runs on the thread pool.
Admin tokens only (the kiosk computes its own headcounts from its replica).
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Annotated, Literal
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Path, Query
from fastapi.responses import Response

from plateau.reports.produce import FORMATS, MAX_FORECAST_DAYS, MEDIA, Options, SessionSource, build, \
    default_format
from plateau.server import feed, store
from plateau.server.auth import Admin, Db
from plateau.server.errors import ApiError, responses
from plateau.server.schemas import Day

router = APIRouter(prefix="/sites/{site}/reports", tags=["reports"])

SiteCode = Annotated[str, Path(min_length=1, max_length=16)]
What = Literal["daily", "no-shows", "forecast", "week", "month"]


@router.get("/{what}", responses={200: {"content": {m: {} for m in MEDIA.values()},
                                        "description": "the report file"}, **responses(401, 403, 404, 422)})
def download(site: SiteCode, what: What, caller: Admin, db: Db,
             date_: Annotated[Day | None, Query(alias="date")] = None,
             format_: Annotated[Literal["pdf", "csv", "json"] | None, Query(alias="format")] = None,
             days: Annotated[int, Query(ge=1, le=MAX_FORECAST_DAYS)] = 7,
             lang: Annotated[Literal["fr", "en"], Query()] = "fr") -> Response:
    """A report as a file download (PDF, CSV with a BOM and `;`, or JSON)."""
    fmt = format_ or default_format(what)
    if fmt not in FORMATS[what]:
        raise ApiError(422, "bad_format", f"{what} reports come as {' or '.join(FORMATS[what])}, not {fmt}")
    with db.read() as s:
        st = store.get_site(s, site.upper())
        today = feed.now().astimezone(ZoneInfo(st.timezone)).date()
        day: date = date_ or (today + timedelta(days=1) if what == "forecast" else today)
        data, name = build(what, fmt, SessionSource(s, st.code, st.name, st.timezone), day,
                           Options(lang=lang, days=days, today=today))
    if callable(data):  # a PDF writer
        import io

        buf = io.BytesIO()
        data(buf)
        data = buf.getvalue()
    return Response(content=data, media_type=MEDIA[fmt],
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})
