"""The wire protocol between stations and the server (HTTP API v1, docs/protocol.md).

Both ends import this module: the server to emit change-feed items and check pushed
passages, the station to validate what it receives before it touches its replica.

A change is ``{"seq": int, "kind": str, "op": "upsert"|"delete", "key": str, "data": {...}}``.
For each kind, `data` has exactly the fields listed in `KINDS` (JSON types: dates and
instants as ISO 8601 text, instants with an offset, money as integer cents).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Callable, Mapping

API_PREFIX = "/api/v1"
MAX_CURSOR = 2 ** 62   # the largest change-feed position either end accepts (`since`, `cursor`)


class ProtocolError(ValueError):
    """A malformed message: never applied, never stored."""


def _str(v):
    return isinstance(v, str)


def _opt_str(v):
    return v is None or isinstance(v, str)


def _int(v):
    return isinstance(v, int) and not isinstance(v, bool)


def _opt_int(v):
    return v is None or _int(v)


def _bool(v):
    return isinstance(v, bool)


def _date(v):
    if not isinstance(v, str):
        return False
    try:
        date.fromisoformat(v)
        return len(v) == 10
    except ValueError:
        return False


def _opt_date(v):
    return v is None or _date(v)


def _instant(v):
    if not isinstance(v, str):
        return False
    try:
        d = datetime.fromisoformat(v)
    except ValueError:
        return False
    return d.tzinfo is not None and d.utcoffset() is not None


def _hhmm(v):
    return isinstance(v, str) and len(v) == 5 and v[2] == ":" and v[:2].isdigit() and v[3:].isdigit() \
        and int(v[:2]) < 24 and int(v[3:]) < 60


def _dict(v):
    return isinstance(v, dict)


def _list_of_str(v):
    return isinstance(v, list) and all(isinstance(x, str) for x in v)


@dataclass(frozen=True)
class Kind:
    """One kind of replicated row: its replica table, key fields and field checks."""

    name: str
    table: str
    key_fields: tuple[str, ...]
    fields: Mapping[str, Callable[[Any], bool]]
    # fields added after a kind was first shipped: (check, value when an older peer leaves it out)
    optional: Mapping[str, tuple[Callable[[Any], bool], Any]] = None  # type: ignore[assignment]

    def key_of(self, data: Mapping[str, Any]) -> str:
        return "/".join(str(data[f]) for f in self.key_fields)

    def parse_key(self, key: str) -> dict[str, Any]:
        parts = key.split("/")
        if len(parts) != len(self.key_fields) or not all(parts):
            raise ProtocolError(f"bad key {key!r} for kind {self.name}")
        out: dict[str, Any] = {}
        for name, part in zip(self.key_fields, parts):
            out[name] = int(part) if self.fields[name] is _int and part.lstrip("-").isdigit() else part
            if self.fields[name] is _int and not isinstance(out[name], int):
                raise ProtocolError(f"bad key {key!r} for kind {self.name}")
        return out


PASSAGE_FIELDS: dict[str, Callable[[Any], bool]] = {
    "id": _str, "station": _str, "at": _instant, "local_date": _date, "service": _opt_str,
    "card_uid": _opt_str, "person_id": _opt_int, "kind": _str, "accepted": _bool, "reason": _str,
    "price_cents": _int, "balance_after_cents": _opt_int, "staff_id": _opt_int, "motive": _opt_str,
    "ref": _opt_str, "warnings": _list_of_str,
}
# how the pupil was identified: "card" (a badge, or staff) or "phone" (the phone badge's QR code);
# optional on the wire, so stations and servers from before phone badges still talk to each other
PASSAGE_OPTIONAL: dict[str, tuple[Callable[[Any], bool], Any]] = {
    "medium": (lambda v: v in ("card", "phone"), "card"),
}

KINDS: dict[str, Kind] = {k.name: k for k in (
    Kind("site", "site", ("code",), {"code": _str, "name": _str, "timezone": _str, "zone": _opt_str,
                                      "settings": _dict}),
    Kind("service", "service", ("code",), {"code": _str, "label": _str, "start": _hhmm, "end": _hhmm,
                                            "weekdays": _str}),
    Kind("tariff", "tariff", ("category",), {"category": _str, "price_cents": _int, "label": _opt_str}),
    Kind("person", "person", ("id",), {
        "id": _int, "external_id": _opt_str, "last_name": _str, "first_name": _str, "class_name": _opt_str,
        "category": _str, "regime": _opt_str, "plan": _str, "forfait_days": _opt_str, "status": _str,
        "arrival_date": _opt_date, "leaving_date": _opt_date, "photo": _opt_str}),
    Kind("card", "card", ("uid",), {"uid": _str, "person_id": _int, "status": _str}),
    Kind("reservation", "reservation", ("person_id", "date", "service"),
         {"person_id": _int, "date": _date, "service": _str}),
    Kind("balance", "balance", ("person_id",), {"person_id": _int, "balance_cents": _int, "version": _int}),
    Kind("opposition", "opposition", ("id",), {"id": _str, "person_id": _int, "starts_at": _instant,
                                                "ends_at": _instant, "motive": _str, "source": _str}),
    Kind("closure", "closure", ("id",), {"id": _str, "first_day": _date, "last_day": _date, "label": _str,
                                          "source": _str}),
    Kind("staff", "staff", ("id",), {"id": _int, "name": _str, "role": _str, "pin_hash": _str,
                                      "badge_uid": _opt_str, "active": _bool}),
    Kind("menu", "menu", ("date", "service"), {"date": _date, "service": _str, "text": _str}),
    Kind("passage", "passage", ("id",), PASSAGE_FIELDS, PASSAGE_OPTIONAL),
    # a pupil's phone-badge secret (plateau.domain.phone_badge); deleted when turned off
    Kind("phone_badge", "phone_badge", ("person_id",), {"person_id": _int, "secret": _str, "digits": _int,
                                                         "period": _int}),
)}

# kinds whose change invalidates the station's cached site data
SITE_KINDS = frozenset({"site", "service", "tariff"})


@dataclass(frozen=True)
class Change:
    seq: int
    kind: str
    op: str
    key: str
    data: dict | None


def check_fields(kind: Kind, data: Any, *, where: str) -> dict:
    if not isinstance(data, dict):
        raise ProtocolError(f"{where}: data must be an object")
    missing = [f for f in kind.fields if f not in data]
    if missing:
        raise ProtocolError(f"{where}: missing {', '.join(missing)}")
    bad = [f for f, ok in kind.fields.items() if not ok(data[f])]
    bad += [f for f, (ok, _) in (kind.optional or {}).items() if f in data and not ok(data[f])]
    if bad:
        raise ProtocolError(f"{where}: bad value for {', '.join(bad)}")
    out = {f: data[f] for f in kind.fields}
    for name, (_, default) in (kind.optional or {}).items():
        out[name] = data.get(name, default)
    return out


def parse_change(item: Any) -> Change:
    """Validate one change-feed item; raise ProtocolError on anything malformed."""
    if not isinstance(item, dict):
        raise ProtocolError("a change must be an object")
    seq, kind_name, op, key = item.get("seq"), item.get("kind"), item.get("op"), item.get("key")
    if not _int(seq) or seq < 1:
        raise ProtocolError(f"bad seq {seq!r}")
    if kind_name not in KINDS:
        raise ProtocolError(f"change {seq}: unknown kind {kind_name!r}")
    if op not in ("upsert", "delete"):
        raise ProtocolError(f"change {seq}: bad op {op!r}")
    if not isinstance(key, str) or not key:
        raise ProtocolError(f"change {seq}: bad key")
    kind = KINDS[kind_name]
    kind.parse_key(key)
    if op == "delete":
        return Change(seq, kind_name, op, key, None)
    data = check_fields(kind, item.get("data"), where=f"change {seq} ({kind_name})")
    if kind.key_of(data) != key:
        raise ProtocolError(f"change {seq}: key {key!r} does not match its data")
    return Change(seq, kind_name, op, key, data)


def parse_changes_page(body: Any) -> tuple[list[Change], int, bool]:
    """Validate a whole `GET /sync/changes` answer before anything is applied."""
    if not isinstance(body, dict) or not isinstance(body.get("changes"), list):
        raise ProtocolError("the change feed answer has no list of changes")
    cursor, more = body.get("cursor"), body.get("more")
    if not _int(cursor) or cursor < 0 or not _bool(more):
        raise ProtocolError("the change feed answer has a bad cursor or more flag")
    changes = [parse_change(item) for item in body["changes"]]
    seqs = [c.seq for c in changes]
    if seqs != sorted(seqs) or len(set(seqs)) != len(seqs) or (seqs and seqs[-1] > cursor):
        raise ProtocolError("the change feed answer is out of order")
    return changes, cursor, more


def parse_snapshot_page(body: Any, cursor: int | None = None, day: str | None = None
                        ) -> tuple[list[Change], int, str, str | None, int | None]:
    """Validate a whole `GET /sync/snapshot` answer before anything is applied: (rows as
    upserts, cursor, day, after, total). A later page must name the cursor and day it was
    asked with (the snapshot's, fixed by its first page)."""
    if not isinstance(body, dict) or not isinstance(body.get("rows"), list):
        raise ProtocolError("the snapshot answer has no list of rows")
    got_cursor, got_day, after, more = body.get("cursor"), body.get("day"), body.get("after"), body.get("more")
    if not _int(got_cursor) or not 0 <= got_cursor <= MAX_CURSOR or not _date(got_day):
        raise ProtocolError("the snapshot answer has a bad cursor or day")
    if cursor is not None and (got_cursor, got_day) != (cursor, day):
        raise ProtocolError(f"the snapshot answer is of another snapshot ({got_cursor}, {got_day}), "
                            f"not ({cursor}, {day})")
    if not _bool(more) or not _opt_str(after) or more != (after is not None) or (after is not None and not after):
        raise ProtocolError("the snapshot answer has a bad more flag or position")
    total = body.get("total")
    total = total if _int(total) and total >= 0 else None   # informational (progress), read tolerantly
    rows = []
    for i, item in enumerate(body["rows"]):
        if not isinstance(item, dict) or item.get("kind") not in KINDS or not isinstance(item.get("key"), str):
            raise ProtocolError(f"snapshot row {i}: bad kind or key")
        kind = KINDS[item["kind"]]
        data = check_fields(kind, item.get("data"), where=f"snapshot row {i} ({kind.name})")
        if kind.key_of(data) != item["key"]:
            raise ProtocolError(f"snapshot row {i}: key {item['key'][:60]!r} does not match its data")
        rows.append(Change(got_cursor, kind.name, "upsert", item["key"], data))
    return rows, got_cursor, got_day, after, total


# A card event: a station blocking a card (staff declared it lost at the kiosk), pushed with
# `POST /sync/card-events` {"events": [...]} and answered per item like passages. A station
# may only block cards: "found again" is the office's decision, made on the server.
CARD_EVENT_FIELDS: dict[str, Callable[[Any], bool]] = {
    "id": _str, "uid": _str, "person_id": _opt_int, "status": _str, "at": _instant, "station": _str,
    "staff_id": _opt_int,
}
CARD_EVENT_STATUSES = ("lost", "blocked")
CARD_EVENT_KIND = Kind("card_event", "card_event", ("id",), CARD_EVENT_FIELDS)


def check_card_event(raw: Any) -> dict:
    """Validate one pushed card event (both ends); return its wire fields only.

    Raises ProtocolError: fields missing or of the wrong type, an id that is not a UUID, a UID
    that is not canonical hex (`plateau.domain.uid`), or a status that does not block the card."""
    event = check_fields(CARD_EVENT_KIND, raw, where="card event")
    try:
        if len(event["id"]) != 36 or str(uuid.UUID(event["id"])) != event["id"].lower():
            raise ValueError
    except ValueError:
        raise ProtocolError("card event: id must be a UUID") from None
    uid = event["uid"]
    if not 2 <= len(uid) <= 32 or any(c not in "0123456789ABCDEF" for c in uid):
        raise ProtocolError(f"card event: uid {uid[:40]!r} is not a canonical hex UID")
    if event["status"] not in CARD_EVENT_STATUSES:
        raise ProtocolError(f"card event: a station may only block a card (status {', '.join(CARD_EVENT_STATUSES)}),"
                            f" not set it {event['status'][:20]!r}")
    if not event["station"] or len(event["station"]) > 64:
        raise ProtocolError("card event: bad station")
    for name in ("person_id", "staff_id"):
        if event[name] is not None and not 0 < event[name] < 2**31:
            raise ProtocolError(f"card event: {name} out of range")
    return event


def changes_page_head(body: Any) -> int | None:
    """The `head` of a `GET /sync/changes` answer (the site's latest seq), or None.

    Informational only (a first sync's progress), so it is read tolerantly: a server older
    than this field does not send it, and a value that is not a non-negative integer at
    least the page's cursor is ignored rather than refusing the page."""
    if not isinstance(body, dict):
        return None
    head, cursor = body.get("head"), body.get("cursor")
    if not _int(head) or head < 0 or (_int(cursor) and head < cursor):
        return None
    return head


def passage_to_wire(row: Mapping[str, Any]) -> dict:
    """A replica passage row (mapping) as the dict pushed to the server."""
    out = {}
    for name in (*PASSAGE_FIELDS, *PASSAGE_OPTIONAL):
        value = row[name]
        if isinstance(value, datetime):
            value = value.isoformat()
        elif isinstance(value, date):
            value = value.isoformat()
        elif name == "accepted":
            value = bool(value)
        elif name == "warnings" and isinstance(value, str):
            import json
            value = json.loads(value or "[]")
        out[name] = value
    return out


def check_passage(data: Any) -> dict:
    return check_fields(KINDS["passage"], data, where="passage")
