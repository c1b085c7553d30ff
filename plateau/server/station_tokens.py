"""A site's stations and their tokens: add (a new token), rotate (a new token, the old one stops
working), revoke. Shared by `plateau admin station ...` and the office's Stations page, inside
the caller's unit of work; each change is audited. A token is returned once and stored only as
its hash."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from plateau.server import audit, feed, store
from plateau.server import models as m
from plateau.server.tokens import PREFIX_STATION, hash_token, new_token
from plateau.server.wording import Said


def find(session: Session, site: m.Site, station_id: str) -> m.Station | None:
    return session.execute(select(m.Station).where(m.Station.site_id == site.id,
                                                   m.Station.station_id == station_id)).scalar_one_or_none()


def _state(st: m.Station) -> dict:
    return {"station": st.station_id, "revoked": bool(st.revoked)}


def add(session: Session, site: m.Site, station_id: str, actor: str = audit.CLI) -> str:
    """Register a station; its token (shown once)."""
    if find(session, site, station_id) is not None:
        raise store.StoreError(Said("station_exists", station=station_id, site=site.code))
    if not isinstance(station_id, str) or not store.CODE.match(station_id):
        raise store.StoreError(Said("station_id_invalid", station=station_id))
    token = new_token(PREFIX_STATION)
    st = m.Station(site_id=site.id, station_id=station_id, token_hash=hash_token(token), revoked=False,
                   created_at=feed.now())
    session.add(st)
    audit.record(session, actor, "station.add", site_id=site.id, target=f"station:{station_id}", after=_state(st))
    return token


def rotate(session: Session, site: m.Site, station_id: str, actor: str = audit.CLI) -> str:
    """A new token for a station (revoked or not); the old one stops working."""
    st = find(session, site, station_id)
    if st is None:
        raise store.NotFound(Said("station_unknown", station=station_id, site=site.code))
    before = _state(st)
    token = new_token(PREFIX_STATION)
    st.token_hash, st.revoked = hash_token(token), False
    audit.record(session, actor, "station.rotate", site_id=site.id, target=f"station:{station_id}", before=before,
                 after=_state(st))
    return token


def revoke(session: Session, site: m.Site, station_id: str, actor: str = audit.CLI) -> None:
    st = find(session, site, station_id)
    if st is None:
        raise store.NotFound(Said("station_unknown", station=station_id, site=site.code))
    before = _state(st)
    st.revoked = True
    audit.record(session, actor, "station.revoke", site_id=site.id, target=f"station:{station_id}", before=before,
                 after=_state(st))
