"""The station sync endpoints: the site's change feed (long-poll), the snapshot a new station
starts from, the passage push and the card-event push (cards declared lost at a kiosk)."""

from __future__ import annotations

import asyncio
import json
import time
from datetime import date
from functools import partial
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import JSONResponse, Response
from sqlalchemy import select, update
from starlette.concurrency import run_in_threadpool

from plateau.server import card_events, feed, snapshot
from plateau.server import models as m
from plateau.server.auth import Caller, Db, StationCaller, authenticate_again
from plateau.server.errors import ApiError, responses
from plateau.server.schemas import (CardEventsAnswer, CardEventsRequest, ChangesPage, PushAnswer, PushRequest,
                                    SnapshotPage)
from plateau.server.station_telemetry import note_station

# every sync request of a station tells the office how the station is (station_telemetry.py)
router = APIRouter(prefix="/sync", tags=["sync"], dependencies=[Depends(note_station)])

MAX_WAIT = 60.0


@router.get("/changes", response_model=ChangesPage, responses=responses(401, 403, 404, 422))
async def changes(request: Request, caller: Caller,
                  since: Annotated[int, Query(ge=0, le=2**62)] = 0,
                  limit: Annotated[int, Query(ge=1, le=5000)] = 500,
                  wait: Annotated[float, Query(ge=0, le=MAX_WAIT)] = 0,
                  site: Annotated[str | None, Query(max_length=16, description="admin tokens: the site code")] = None,
                  ) -> ChangesPage:
    """The caller's site changes after `since`, oldest first. With `wait`, an empty answer waits up
    to `wait` seconds for the next change (woken as soon as one commits). `head` is the site's
    latest seq when the page was read (a first sync's total; older servers do not send it)."""
    site_id = await _callers_site(request, caller, site)
    body = await feed_page(request.app, lambda: request, site_id, since, limit, wait)
    return Response(body, media_type="application/json")


async def feed_page(app, request_of, site_id: int, since: int, limit: int, wait: float) -> bytes:
    """The long-poll's answer, JSON-encoded (what `JSONResponse` would send, byte for byte): shared
    by the route above and the fast path of station long-polls (`fast_changes.py`).
    `request_of()`: the request, for the token's check again after a wait."""
    db = app.state.db
    notifier = app.state.notifier
    deadline = time.monotonic() + wait
    waited = False
    while True:
        event = notifier.event(site_id)  # before the read: a commit during the read still wakes us
        generation = notifier.generation(site_id)
        known = notifier.heads.get(site_id)
        if known is None or known > since or not wait:
            items, cursor, more, head, body = await notifier.shared_read(
                site_id, generation, (since, limit), partial(_read, db, site_id, since, limit))
            if not more:
                notifier.read_to_head(site_id, generation, cursor)
            if items and waited:
                # the token was checked when the request began: it may have been revoked while
                # the request waited (401 then, never the changes made since)
                await authenticate_again(request_of(), told=notifier.was_told(site_id, cursor))
            if items or not wait:
                # encoded once per shared read (on the thread pool), not once per woken station
                return body
        left = deadline - time.monotonic()
        if left <= 0:  # nothing after `since` committed meanwhile: the station is at the head
            return encode_page([], since, False, since)
        metrics = notifier.metrics
        metrics.long_polls_waiting += 1
        try:
            await asyncio.wait_for(event.wait(), timeout=left)
        except asyncio.TimeoutError:
            pass
        finally:
            metrics.long_polls_waiting -= 1
        waited = True


def encode_page(items: list[dict], cursor: int, more: bool, head: int) -> bytes:
    # exactly `JSONResponse.render`: the page is built from checked feed rows, no re-validation
    return json.dumps({"changes": items, "cursor": cursor, "more": more, "head": head}, ensure_ascii=False,
                      allow_nan=False, indent=None, separators=(",", ":")).encode("utf-8")


@router.get("/snapshot", response_model=SnapshotPage, responses=responses(401, 403, 404, 422))
async def snapshot_page(request: Request, caller: Caller,
                        cursor: Annotated[int | None, Query(ge=0, le=2**62, description=(
                            "the snapshot's feed position, as its first page answered; absent: a new snapshot"))] = None,
                        day: Annotated[date | None, Query(description="the snapshot's day, as its first page "
                                                                      "answered")] = None,
                        after: Annotated[str | None, Query(max_length=300, description=(
                            "where the previous page ended (its `after`, sent back as is)"))] = None,
                        limit: Annotated[int, Query(ge=1, le=5000)] = 1000,
                        site: Annotated[str | None, Query(max_length=16,
                                                          description="admin tokens: the site code")] = None,
                        ) -> JSONResponse:
    """One page of the caller's site's current state (persons, cards, balances, oppositions not
    ended, reservations and menus from the snapshot's day on, that day's passages, ...): what a
    new station reads instead of the whole change feed, then it pulls the feed from `cursor`
    (docs/protocol.md)."""
    db = request.app.state.db
    site_id = await _callers_site(request, caller, site)
    # the app's clock, when a test holds it (the family routes' `family_clock`): "today" is its date
    clock = getattr(request.app.state, "family_clock", None)
    now = clock() if clock is not None else feed.now()
    try:
        page = await run_in_threadpool(_read_snapshot, db, site_id, cursor, day, after, limit, now)
    except snapshot.BadPosition as exc:
        raise ApiError(422, "invalid_request", str(exc)) from None
    return JSONResponse(page)


def _read_snapshot(db, site_id: int, cursor, day, after, limit, now) -> dict:
    with db.read() as s:
        return snapshot.read_page(s, s.get(m.Site, site_id), cursor, day, after, limit, now=now)


async def _callers_site(request: Request, caller, site: str | None) -> int:
    """The site a sync request reads: a station's own (naming another answers like a site that
    does not exist: no existence oracle); an admin token must name it (`?site=UAI`)."""
    if caller.is_admin:
        if not site:
            raise ApiError(422, "invalid_request", "an admin token must name the site (?site=UAI)")
        return await run_in_threadpool(_site_id, request.app.state.db, site)
    if site and site.upper() != caller.site_code:
        raise ApiError(404, "not_found", "no such site")
    return caller.site_id


def _site_id(db, code: str) -> int:
    from plateau.server.store import get_site

    with db.read() as s:
        return get_site(s, code.upper()).id


def _read(db, site_id: int, since: int, limit: int):
    with db.read(autocommit=True) as s:
        items, cursor, more = feed.read_changes(s, site_id, since, limit)
        if not more:
            # the page ends the feed (its last item is never compacted away): the cursor is the
            # head, no second query on the hot path of long-polls
            head = cursor
        else:   # a first sync's page: the site's latest seq, in the same read, for "received/total"
            head = max(cursor, s.execute(select(m.Site.feed_seq).where(m.Site.id == site_id)).scalar() or 0)
    return items, cursor, more, head, encode_page(items, cursor, more, head)


@router.post("/passages", response_model=PushAnswer, responses=responses(401, 403, 413, 422))
async def push_passages(request: Request, body: PushRequest, caller: StationCaller) -> JSONResponse:
    """Store the station's passages, idempotent by passage id, answered per item."""
    for item in body.passages:
        station = item.get("station") if isinstance(item, dict) else None
        if isinstance(station, str) and station != caller.station_id:
            raise ApiError(403, "forbidden", f"station {caller.station_id!r} may not push passages of "
                                             f"station {station[:64]!r}")
    started = time.monotonic()
    # concurrent pushes share one transaction and one commit (group_commit.py)
    results, balances = await request.app.state.push_writer.submit(caller.site_id, caller.station_id,
                                                                   body.passages)
    metrics = request.app.state.notifier.metrics
    metrics.pushes += 1
    metrics.passages_pushed += len(body.passages)
    metrics.push_seconds.observe(time.monotonic() - started)
    return JSONResponse({"results": results, "balances": balances})


@router.post("/card-events", response_model=CardEventsAnswer, responses=responses(401, 403, 413, 422))
async def push_card_events(body: CardEventsRequest, caller: StationCaller, db: Db) -> JSONResponse:
    """Store the station's card events (cards blocked at the kiosk), idempotent by event id,
    answered per item. A station blocks only cards of its own site, in its own name; the card's
    new status reaches every station of the site through the change feed."""
    results = await run_in_threadpool(_store_card_events, db, caller, body.events)
    return JSONResponse({"results": results})


def _store_card_events(db, caller, items):
    with db.write() as s:
        site = s.get(m.Site, caller.site_id)
        results = card_events.store_card_events(s, site, caller.station_id, items)
        s.execute(update(m.Station).where(m.Station.site_id == site.id, m.Station.station_id == caller.station_id)
                  .values(last_seen_at=feed.now()))
    return results
