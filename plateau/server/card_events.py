"""Storing the card events a station pushes: a card blocked at the kiosk reaches every station.

Each event is answered on its own, like passages (`push.py`): `stored` (new: the card's status
is changed through the store, so the `card` change lands in the site's feed for every station),
`duplicate` (this id was already stored: nothing happens twice, a replay is harmless) or
`rejected` with an error (malformed, another station's event, a card the site does not have,
or a card given to another person since). The batch is one transaction. Runs on a request
thread (the route's thread-pool trip).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from plateau.server import feed, store
from plateau.server import models as m
from plateau.server.trust import ItemRejected, record_rejections
from plateau.sync.protocol import ProtocolError, check_card_event

MAX_BATCH = 1000


def _check(raw: Any, station_id: str) -> dict:
    try:
        event = check_card_event(raw)
    except ProtocolError as exc:
        raise ItemRejected("malformed", str(exc)) from None
    event["id"] = event["id"].lower()
    if event["station"] != station_id:
        raise ItemRejected("wrong_station",
                           f"card event: station {event['station'][:64]!r} is not the pushing station")
    at = datetime.fromisoformat(event["at"])
    if not 2000 <= at.year <= 2100:
        raise ItemRejected("malformed", "card event: implausible instant")
    event["at"] = at
    return event


def store_card_events(session: Session, site: m.Site, station_id: str, items: list[Any]) -> list[dict]:
    """Store a station's batch of card events; return the per-item results, in order."""
    feed.lock_site(session, site.id)
    results: list[dict] = []
    valid: list[tuple[int, dict]] = []
    for index, raw in enumerate(items):
        eid = raw.get("id") if isinstance(raw, dict) and isinstance(raw.get("id"), str) else ""
        try:
            valid.append((index, _check(raw, station_id)))
            results.append({"id": eid.lower(), "status": "stored"})
        except ItemRejected as exc:
            results.append(exc.result(eid[:64]))
    if not valid:
        record_rejections(session, site.id, station_id, "card_event", items, results)
        return results
    ids = [e["id"] for _, e in valid]
    existing = dict(session.execute(select(m.CardEvent.id, m.CardEvent.site_id)
                                    .where(m.CardEvent.id.in_(ids))).all())
    received = feed.now()
    seen: set[str] = set()
    for index, event in valid:
        eid = event["id"]
        if eid in existing or eid in seen:
            if existing.get(eid, site.id) != site.id:
                results[index] = ItemRejected("id_used_elsewhere",
                                              "card event id already used elsewhere").result(eid)
            else:
                results[index] = {"id": eid, "status": "duplicate"}
            continue
        card = session.execute(select(m.Card).where(m.Card.site_id == site.id, m.Card.uid == event["uid"])
                               ).scalar_one_or_none()
        if card is None:
            results[index] = ItemRejected("unknown_card", f"card event: card {event['uid']} is not a card of "
                                                          f"site {site.code}").result(eid)
            continue
        if event["person_id"] is not None and event["person_id"] != card.person_id:
            results[index] = ItemRejected("card_of_another_person", f"card event: card {event['uid']} was given "
                                                                    "to another person since").result(eid)
            continue
        seen.add(eid)
        session.add(m.CardEvent(site_id=site.id, received_at=received, **event))
        if card.status == "active":  # already lost or blocked: both block it, leave it as it is
            store.upsert_card(session, site, card.uid, card.person_id, event["status"])
    record_rejections(session, site.id, station_id, "card_event", items, results)
    return results
