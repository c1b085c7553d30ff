"""A snapshot page (`GET /api/v1/sync/snapshot`) is validated whole before a station applies any
of it: every row as its kind's fields and key, and the page as one of the snapshot asked for."""

from __future__ import annotations

import pytest

from plateau.sync.protocol import ProtocolError, parse_snapshot_page

PERSON = {"id": 7, "external_id": "E7", "last_name": "MARTIN", "first_name": "Léa", "class_name": "6A",
          "category": "eleve", "regime": "2", "plan": "ticket", "forfait_days": None, "status": "active",
          "arrival_date": None, "leaving_date": None, "photo": None}


def page(**over) -> dict:
    body = {"cursor": 120, "day": "2026-12-03", "rows": [{"kind": "person", "key": "7", "data": dict(PERSON)}],
            "after": "person:[7]", "more": True, "total": 40}
    body.update(over)
    return body


def test_a_good_page_gives_upserts_with_the_snapshots_position():
    rows, cursor, day, after, total = parse_snapshot_page(page())
    assert [(r.kind, r.op, r.key, r.data["last_name"]) for r in rows] == [("person", "upsert", "7", "MARTIN")]
    assert (cursor, day, after, total) == (120, "2026-12-03", "person:[7]", 40)
    assert parse_snapshot_page(page(after=None, more=False, total="x"), 120, "2026-12-03")[3:] == (None, None)


@pytest.mark.parametrize("bad", [
    {"rows": None}, {"cursor": -1}, {"cursor": 2 ** 70}, {"cursor": True}, {"day": "03/12/2026"},
    {"more": False}, {"after": None}, {"after": ""}, {"more": "yes"},
    {"rows": [{"kind": "person", "key": "8", "data": PERSON}]},              # a key that is not its data's
    {"rows": [{"kind": "nope", "key": "7", "data": PERSON}]},
    {"rows": [{"kind": "person", "key": "7", "data": dict(PERSON, last_name=None)}]},
    {"rows": [{"kind": "person", "key": "7"}]},
], ids=lambda b: "-".join(f"{k}={str(v)[:12]}" for k, v in b.items()))
def test_a_malformed_page_is_refused_whole(bad):
    with pytest.raises(ProtocolError):
        parse_snapshot_page(page(**bad))


def test_a_page_of_another_snapshot_is_refused():
    with pytest.raises(ProtocolError, match="another snapshot"):
        parse_snapshot_page(page(), 121, "2026-12-03")
    with pytest.raises(ProtocolError, match="another snapshot"):
        parse_snapshot_page(page(), 120, "2026-12-02")
