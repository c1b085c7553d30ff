"""The site's stations for the admin: the list, add (the token shown once, with a ready
`station.toml`), rotate (a new token) and revoke. Through `plateau.server.station_tokens`,
audited. A token is never stored nor shown again: the page that shows it is not cached."""

from __future__ import annotations

from urllib.parse import quote

from fastapi import APIRouter, Request
from sqlalchemy import select

from plateau.server import feed, station_tokens, store
from plateau.server import models as m
from plateau.server.web.i18n import gettext, request_lang
from plateau.server.web.office.deps import Form, Office, db_of, in_thread, need
from plateau.server.web.templating import render
from plateau.server.wording import text_of

router = APIRouter()
ONLINE_SECONDS = 90  # a syncing station asks at least every long-poll (≤ 60 s)

STATION_TOML = """# Plateau station configuration for {station} ({site}), made by the office on {made}.
# Every key is described in docs/configuration.md; copy it to /etc/plateau/station.toml (0640, root:plateau).
[station]
id = "{station}"
site = "{site}"
language = "fr"

[server]
url = "{url}"
token = "{token}"

[db]
path = "/var/lib/plateau/station.db"

[reader]
# serial | nfc | keyboard | simulated (docs/readers.md)
kind = "keyboard"
"""


def _rows(request: Request, ctx) -> list[dict]:
    now = feed.now()
    with db_of(request).read() as s:
        return [{"id": st.station_id, "revoked": st.revoked, "created": st.created_at, "last_seen": st.last_contact,
                 "online": bool(st.last_contact and (now - st.last_contact).total_seconds() <= ONLINE_SECONDS
                                and not st.revoked)}
                for st in s.execute(select(m.Station).where(m.Station.site_id == ctx.site_id)
                                    .order_by(m.Station.station_id)).scalars()]


def _page(request: Request, ctx, *, issued: dict | None = None, error: str | None = None, status: int = 200):
    return render(request, "office/stations.html", {"office": ctx, "page": "stations", "stations": _rows(request, ctx),
                                                    "issued": issued, "error": error}, status=status)


@router.get("/office/stations")
def stations(request: Request, ctx: Office):
    need(request, ctx, "stations")
    return _page(request, ctx)


def _issued(request: Request, ctx, station_id: str, token: str) -> dict:
    url = str(request.base_url).rstrip("/")
    toml = STATION_TOML.format(station=station_id, site=ctx.site_code, url=url, token=token,
                               made=feed.now().date().isoformat())
    return {"station": station_id, "token": token, "toml": toml,
            "href": "data:text/plain;charset=utf-8," + quote(toml)}


async def _act(request: Request, ctx, action, station_id: str):
    """Run a station_tokens action; (token or None, error or None)."""
    def write():
        with db_of(request).write() as s:
            return action(s, s.get(m.Site, ctx.site_id), station_id, ctx.actor)

    try:
        return await in_thread(write), None
    except store.StoreError as exc:
        return None, text_of(exc, request_lang(request))


@router.post("/office/stations")
async def add(request: Request, ctx: Office, form: Form):
    need(request, ctx, "stations")
    station_id = str(form.get("station") or "").strip()[:64]
    token, error = await _act(request, ctx, station_tokens.add, station_id)
    if error:
        _ = gettext(request_lang(request))
        return _page(request, ctx, error=_("Station: {error}", error=error), status=422)
    return _page(request, ctx, issued=_issued(request, ctx, station_id, token))


@router.post("/office/stations/{station_id}/rotate")
async def rotate(request: Request, ctx: Office, form: Form, station_id: str):
    need(request, ctx, "stations")
    token, error = await _act(request, ctx, station_tokens.rotate, station_id[:64])
    if error:
        return _page(request, ctx, error=error, status=404)
    return _page(request, ctx, issued=_issued(request, ctx, station_id[:64], token))


@router.post("/office/stations/{station_id}/revoke")
async def revoke(request: Request, ctx: Office, form: Form, station_id: str):
    need(request, ctx, "stations")
    _token, error = await _act(request, ctx, station_tokens.revoke, station_id[:64])
    return _page(request, ctx, error=error, status=404 if error else 200)
