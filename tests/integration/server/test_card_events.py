"""`POST /api/v1/sync/card-events`: a card blocked at a kiosk, stored once, answered per item,
fed to every station of the site; never another site's card nor another station's name."""

from __future__ import annotations

import uuid

from plateau.sync.protocol import check_card_event, parse_changes_page

URL = "/api/v1/sync/card-events"


def event(uid: str, person_id: int | None, *, station: str = "self-1", status: str = "lost") -> dict:
    return {"id": str(uuid.uuid4()), "uid": uid, "person_id": person_id, "status": status,
            "at": "2026-11-23T11:31:00+00:00", "station": station, "staff_id": 1}


def _cards(env, skip: int) -> list[tuple[int, str]]:
    return sorted(env.school.cards.items())[skip:skip + 3]


def _head(api) -> int:
    return api.get("/api/v1/sync/changes?since=0&limit=5000").json()["head"]


def test_a_lost_card_is_stored_once_and_fed_to_the_other_stations(env):
    (pid, uid), (pid2, uid2), _ = _cards(env, 0)
    since = _head(env.station("self-2"))
    e = event(uid, pid)
    r = env.station().post(URL, {"events": [e]})
    assert r.status_code == 200, r.text
    assert r.json() == {"results": [{"id": e["id"], "status": "stored"}]}
    body = env.station("self-2").get(f"/api/v1/sync/changes?since={since}").json()
    changes, _, _ = parse_changes_page(body)
    assert [(c.kind, c.data) for c in changes if c.kind == "card"] == \
        [("card", {"uid": uid, "person_id": pid, "status": "lost"})]
    # the same event again (the answer was lost): harmless, nothing new in the feed
    head = _head(env.station("self-2"))
    again = env.station().post(URL, {"events": [e, e]}).json()["results"]
    assert [x["status"] for x in again] == ["duplicate", "duplicate"]
    assert _head(env.station("self-2")) == head
    # a second event for a card already lost is stored without a second feed item
    r = env.station("self-2").post(URL, {"events": [event(uid, pid, station="self-2")]}).json()
    assert r["results"][0]["status"] == "stored" and _head(env.station()) == head


def test_each_event_is_answered_alone(env):
    (pid, uid), (pid2, uid2), (pid3, uid3) = _cards(env, 3)
    good = event(uid, pid)
    items = [good,
             event("0A0B0C0D", None),                     # site B's card
             event(uid2, pid2, station="self-2"),         # in another station's name
             event(uid3, pid3 + 100000),                   # the card is someone else's now
             event(uid3, pid3, status="active"),           # a station may not unblock
             {"id": "x"}, "junk"]
    r = env.station().post(URL, {"events": items})
    assert r.status_code == 200, r.text
    results = r.json()["results"]
    assert [x["status"] for x in results] == ["stored"] + ["rejected"] * 6
    assert "not a card of site" in results[1]["error"]
    assert "not the pushing station" in results[2]["error"]
    assert "another person" in results[3]["error"]
    assert "may only block" in results[4]["error"]
    statuses = {c["data"]["uid"]: c["data"]["status"] for c in
                env.station().get("/api/v1/sync/changes?since=0&limit=5000").json()["changes"] if c["kind"] == "card"}
    assert statuses[uid] == "lost" and statuses[uid2] == "active" and statuses[uid3] == "active"
    site_b = env.api(env.station_b).get("/api/v1/sync/changes?since=0").json()["changes"]
    b_cards = [c["data"] for c in site_b if c["kind"] == "card"]
    assert b_cards == [{"uid": "0A0B0C0D", "person_id": env.person_b, "status": "active"}]


def test_only_station_tokens_and_bounded_batches(env):
    (pid, uid), _, _ = _cards(env, 6)
    assert env.admin.post(URL, {"events": [event(uid, pid)]}).status_code == 403
    assert env.api(None).post(URL, {"events": []}).status_code == 401
    assert env.api(env.revoked_station).post(URL, {"events": []}).status_code == 401
    assert env.station().post(URL, {"events": [event(uid, pid)] * 1001}).status_code == 422
    assert env.station().post(URL, {"nope": 1}).status_code == 422
    assert env.station().post(URL, {"events": []}).json() == {"results": []}


def test_check_card_event_is_the_shared_contract():
    e = event("04A1B2C3", 7)
    assert check_card_event({**e, "extra": 1}) == e
    for bad in ({**e, "uid": "04a1b2c3"}, {**e, "id": "1"}, {**e, "at": "2026-11-23T11:31:00"},
                {**e, "status": "found"}, {**e, "person_id": "7"}):
        try:
            check_card_event(bad)
        except ValueError:
            continue
        raise AssertionError(f"accepted {bad}")
