"""Request and response bodies of the family API (what the OpenAPI document shows)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, Field

State = Literal["reserved", "reserved_locked", "bookable", "not_bookable", "closed"]


class SessionIn(BaseModel):
    email: str = Field(max_length=254)
    password: str = Field(max_length=200)


class SessionOut(BaseModel):
    token: str = Field(description="send it as `Authorization: Bearer <token>`")
    expires_at: datetime


class EmailIn(BaseModel):
    email: str = Field(max_length=254)


class CodeIn(BaseModel):
    code: str = Field(max_length=40, description="the one-time code of the letter or e-mail (e.g. ABCDE-FGH23)")
    password: str = Field(min_length=10, max_length=200)
    email: str | None = Field(default=None, max_length=254,
                              description="with a printed letter's code only: the e-mail address to sign in with")


class Accepted(BaseModel):
    status: Literal["accepted"] = "accepted"


class PasswordSet(BaseModel):
    status: Literal["password_set"] = "password_set"
    email: str


class ChildOut(BaseModel):
    id: int
    first_name: str
    last_name: str
    # "class" is a Python keyword: the field is `class_name` and travels as "class"
    class_name: str | None = Field(serialization_alias="class", validation_alias="class")
    site: str
    balance_cents: int
    plan: str
    financial: bool = Field(description="this guardian may pay for the child (online top-ups)")

    model_config = {"populate_by_name": True}


class CalendarDay(BaseModel):
    date: date
    service: str
    state: State
    cutoff: datetime = Field(description="the instant (with the site's offset) when booking and cancelling close")


class CalendarOut(BaseModel):
    days: list[CalendarDay]
    booking_horizon_days: int
    timezone: str


class FamilyReservationOut(BaseModel):
    date: date
    service: str
    status: Literal["booked", "cancelled"]
    created: bool = Field(description="false when the meal was already booked (booking twice is harmless)")
    balance_cents: int


class PatternIn(BaseModel):
    service: str = Field(min_length=1, max_length=32, pattern=r"^[a-z0-9][a-z0-9_-]*$")
    weekdays: str = Field(min_length=3, max_length=40, description="e.g. `mon,thu` (or `lun,jeu`)")
    first: date = Field(alias="from")
    last: date = Field(alias="to", description="inclusive")
    every_other_week: bool = Field(default=False, description="every other week, counted from the week of `from`")
    action: Literal["book", "cancel"] = "book"

    model_config = {"populate_by_name": True}


class PatternDay(BaseModel):
    date: date
    status: Literal["booked", "already_booked", "cancelled", "not_booked", "refused"]
    error: str | None = Field(default=None, description="why a day was refused: past_cutoff, closed_day, ...")
    reason: str | None = None


class PatternOut(BaseModel):
    days: list[PatternDay]
    done: int = Field(description="days booked (or cancelled) by this request")
    refused: int


class ChangeOut(BaseModel):
    date: date
    service: str
    action: Literal["book", "cancel"]
    by: str = Field(description="family | office")
    actor: str
    at: datetime


class PassageOut(BaseModel):
    date: date
    time: str = Field(description="local time HH:MM at the site")
    at: datetime
    service: str | None
    accepted: bool
    reason: str = Field(description="`ok`, or the station's refusal code")
    label: str = Field(description="what happened, in the family's words (French)")


class MovementOut(BaseModel):
    at: datetime
    kind: str = Field(description="payment | passage | reservation | cancel | refund | adjustment")
    amount_cents: int = Field(description="> 0 credits, < 0 debits")
    label: str
    balance_after_cents: int


class MenuOut(BaseModel):
    date: date
    service: str
    text: str


class TopUpIn(BaseModel):
    amount_cents: int = Field(ge=1, le=100_000)


class TopUpOut(BaseModel):
    payment_url: str
    reference: str


class MessageOut(BaseModel):
    id: int
    site: str = Field(description="the school's UAI code")
    title: str
    body: str = Field(description="plain text (not HTML): show it escaped, keeping its line breaks")
    published_on: date = Field(description="the first day the message is shown (the school's local date)")
    ends_on: date | None = Field(description="the last day it is shown; null: until the school withdraws it")
    author: str = Field(description="who wrote it at the school's office")
    children: list[int] = Field(description="the ids of this family's children the message is for")
    read: bool = Field(description="this family has opened it")
    updated_at: datetime


class SchoolMessageIn(BaseModel):
    """A message as the school writes it (the office's form has the same fields and rules)."""

    title: str = Field(max_length=1000, description="at most 200 characters once trimmed")
    body: str = Field(max_length=20_000, description="plain text, at most 5,000 characters once trimmed")
    publish_on: date = Field(ge=date(2000, 1, 1), le=date(2100, 12, 31),
                             description="the first day families see it (the school's local date)")
    ends_on: date | None = Field(default=None, ge=date(2000, 1, 1), le=date(2100, 12, 31),
                                 description="the last day they see it (inclusive); null: no end")
    audience: Literal["site", "classes", "pupils"] = "site"
    classes: list[str] = Field(default_factory=list, max_length=200,
                               description="with `classes`: the pupils' class names")
    pupils: list[int] = Field(default_factory=list, max_length=2000,
                              description="with `pupils`: the pupils' ids (their guardians receive it)")


class SchoolMessageOut(BaseModel):
    id: int
    title: str
    body: str
    audience: Literal["site", "classes", "pupils"]
    classes: list[str]
    pupils: list[int]
    publish_on: date
    ends_on: date | None
    state: Literal["scheduled", "published", "expired", "withdrawn"]
    author: str
    created_at: datetime
    updated_at: datetime
    withdrawn_at: datetime | None
