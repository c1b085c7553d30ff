"""Request and response bodies of HTTP API v1 (pydantic), apart from the tables.

Field limits mirror the columns, so a request that passes validation fits the database and
bad input gets a 422 with a reason, never a 500.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, AwareDatetime, BaseModel, ConfigDict, Field

INT32 = 2**31 - 1


def _no_nul(value: str) -> str:
    if "\x00" in value:
        raise ValueError("must not contain NUL characters")
    return value


def Text(max_length: int, min_length: int = 0):  # noqa: N802 - a type factory
    return Annotated[str, Field(min_length=min_length, max_length=max_length), AfterValidator(_no_nul)]


PersonId = Annotated[int, Field(ge=1, le=INT32)]
Cents = Annotated[int, Field(ge=-10_000_000, le=10_000_000)]
Day = Annotated[date, Field(ge=date(2000, 1, 1), le=date(2100, 12, 31))]


def _plausible(value: datetime) -> datetime:
    if not 2000 <= value.year <= 2100:
        raise ValueError("must be between the years 2000 and 2100")
    return value


Instant = Annotated[AwareDatetime, AfterValidator(_plausible)]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Health(BaseModel):
    status: str
    version: str


class ChangeItem(BaseModel):
    seq: int
    kind: str
    op: Literal["upsert", "delete"]
    key: str
    data: dict[str, Any] | None


class ChangesPage(BaseModel):
    changes: list[ChangeItem]
    cursor: int
    more: bool
    head: int = Field(description="the site's latest seq when the page was read (>= cursor): a first "
                                  "sync shows cursor/head as its progress")


class SnapshotRow(BaseModel):
    kind: str
    key: str
    data: dict[str, Any]


class SnapshotPage(BaseModel):
    cursor: int = Field(description="the feed position the snapshot was taken at: pull the feed from here after "
                                    "its last page")
    day: str = Field(description="the snapshot's day at the site (ISO date): rows dated before it are left out")
    rows: list[SnapshotRow]
    after: str | None = Field(description="where this page ended: send it back for the next page; null on the "
                                          "last page")
    more: bool
    total: int | None = Field(None, description="first page only: how many rows the whole snapshot holds")


class PushRequest(BaseModel):
    # items are checked one by one (plateau.sync.protocol), so one bad item is rejected alone
    passages: list[Any] = Field(max_length=5000)


class PushResult(BaseModel):
    id: str
    status: Literal["stored", "duplicate", "rejected"]
    error: str | None = None
    code: str | None = Field(None, description="rejected items: the reason code (e.g. price_not_a_tariff, "
                                               "already_cancelled, malformed; docs/security.md lists them)")


class RejectedItemOut(BaseModel):
    """An item a station pushed that the server refused (kept for the office)."""

    id: int
    station: str
    item_kind: Literal["passage", "card_event"]
    item_id: str
    code: str
    reason: str
    raw: str
    received_at: datetime


class RejectedItemList(BaseModel):
    items: list[RejectedItemOut]


class BalanceOut(BaseModel):
    person: int
    balance_cents: int
    version: int


class PushAnswer(BaseModel):
    results: list[PushResult]
    balances: list[BalanceOut]


class CardEventsRequest(BaseModel):
    # checked one by one (plateau.sync.protocol.check_card_event): one bad event is rejected alone
    events: list[Any] = Field(max_length=1000, description="card events: id (UUID), uid, person_id, status "
                                                           "(lost | blocked), at, station, staff_id")


class CardEventsAnswer(BaseModel):
    results: list[PushResult]


class ReservationOut(BaseModel):
    person: int
    date: date
    service: str
    status: Literal["booked", "cancelled"]
    created: bool
    prepaid_cents: int
    balance_cents: int


class SiteOut(BaseModel):
    code: str
    name: str
    timezone: str
    zone: str | None
    settings: dict[str, str]
    feed_seq: int


class PersonIn(Strict):
    external_id: Text(64, 1) | None = None
    ine: Text(16, 1) | None = None
    last_name: Text(100, 1)
    first_name: Text(100, 1)
    class_name: Text(40) | None = None
    category: Text(40, 1) = "eleve"
    regime: Text(8) | None = None
    plan: Literal["ticket", "forfait", "reservation", "none"] = "ticket"
    forfait_days: Text(40) | None = None
    status: Literal["active", "archived"] = "active"
    arrival_date: Day | None = None
    leaving_date: Day | None = None


class CardOut(BaseModel):
    uid: str
    status: str


class PersonOut(BaseModel):
    id: int
    site: str
    external_id: str | None
    ine: str | None
    last_name: str
    first_name: str
    class_name: str | None
    category: str
    plan: str
    forfait_days: str | None
    status: str
    balance_cents: int
    balance_version: int
    cards: list[CardOut]


class PersonList(BaseModel):
    persons: list[PersonOut]


class CardIn(Strict):
    status: Literal["active", "lost", "blocked"] = "active"
    format: Literal["hex", "hex-reversed", "decimal", "decimal-reversed", "em4100", "wiegand26"] = "hex"


class PaymentIn(Strict):
    reference: Text(100, 1)
    amount_cents: Annotated[int, Field(ge=-1_000_000, le=1_000_000)]
    label: Text(200) = ""


class PaymentOut(BaseModel):
    reference: str
    status: Literal["credited", "duplicate"]
    balance_cents: int
    version: int


class OppositionIn(Strict):
    starts_at: Instant
    ends_at: Instant
    motive: Text(200) = ""
    source: Literal["absence", "unpaid", "discipline", "manual"] = "manual"


class OppositionOut(BaseModel):
    id: str
    person: int
    starts_at: datetime
    ends_at: datetime
    motive: str
    source: str


class ClosureIn(Strict):
    first_day: Day
    last_day: Day
    label: Text(200) = ""


class ClosureOut(BaseModel):
    id: str
    first_day: date
    last_day: date
    label: str
    source: str


class MenuIn(Strict):
    text: Text(2000)


class MenuOut(BaseModel):
    date: date
    service: str
    text: str


class Deleted(BaseModel):
    deleted: bool


class SettingsIn(Strict):
    settings: dict[Text(80, 1), Text(200)] = Field(default_factory=dict, max_length=200)
    unset: list[Text(80, 1)] = Field(default_factory=list, max_length=200)


class PassageOut(BaseModel):
    id: str
    station: str
    at: datetime
    local_date: date
    service: str | None
    kind: str
    accepted: bool
    reason: str
    price_cents: int


class LedgerOut(BaseModel):
    at: datetime
    kind: str
    amount_cents: int
    label: str
    balance_version: int


class History(BaseModel):
    """What a family portal shows: the balance, and the latest passages and money movements."""

    person: int
    balance_cents: int
    balance_version: int
    passages: list[PassageOut]
    ledger: list[LedgerOut]
