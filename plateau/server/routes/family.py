"""The family API, accounts and bookings: `/api/v1/family/...` (docs/family-api.md).

Signing in (`session`), activating an account and resetting a password need no token; every
other route takes a family token (`FamilyCaller`) and answers only about that family's own
children (403 for any other pupil, existing or not). Money, passages, menus and top-ups are in
`family_money`. Sync routes: they run on the thread pool (argon2 and the database block).
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Annotated
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Path, Query, Request

from plateau.domain.policy import policy_from_settings
from plateau.server import ledger
from plateau.server import family_models as fm
from plateau.server import reservations as rules
from plateau.server.auth import Db
from plateau.server.errors import ApiError, responses
from plateau.server.family import accounts, mail
from plateau.server.family import calendar as cal
from plateau.server.family.deps import FamilyCaller, mail_settings_of, now_of
from plateau.server.family.schemas import (Accepted, CalendarDay, CalendarOut, ChangeOut, ChildOut, CodeIn, EmailIn,
                                           FamilyReservationOut, PasswordSet, PatternDay, PatternIn, PatternOut,
                                           SessionIn, SessionOut)
from plateau.domain.services import parse_weekdays
from plateau.server.schemas import Day, PersonId
from plateau.server.throttle import CODES, FAMILY_PER_ADDRESS, account_key, sign_in_keys, throttle_of

router = APIRouter(prefix="/family", tags=["family"])

ChildId = Annotated[PersonId, Path(description="the pupil's id, as `GET /family/children` lists it")]
ServiceCode = Annotated[str, Path(min_length=1, max_length=32, pattern=r"^[a-z0-9][a-z0-9_-]*$")]
CODE_TRIES_PER_ADDRESS = 10
RESET_ASKS_PER_ADDRESS = 10


def _address(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def _too_many(wait: int, what: str) -> ApiError:
    return ApiError(429, "too_many_requests", f"too many {what}: try again in {wait} s", {"Retry-After": str(wait)})


def child_of(s, family: accounts.Family, child_id: int) -> accounts.Child:
    found = accounts.child(s, family.email, child_id)
    if found is None:
        raise ApiError(403, "forbidden", "this pupil is not one of your children")
    return found


# --- accounts -----------------------------------------------------------------------------------

@router.post("/session", response_model=SessionOut, responses=responses(401, 422, 429))
def sign_in(body: SessionIn, request: Request, db: Db) -> SessionOut:
    """Sign in with the account's e-mail and password → a bearer token. Wrong passwords are
    counted per account and per address: past the limit, 429 with `Retry-After`."""
    throttle, now = throttle_of(request), now_of(request)
    email = body.email.strip().lower()
    limits = sign_in_keys("family", email, _address(request), FAMILY_PER_ADDRESS)
    wait = throttle.retry_after(limits)
    if wait:
        raise _too_many(wait, "wrong sign-ins")
    with db.read() as s:  # the slow hash is checked outside the write lock
        account = accounts.find_account(s, email)
        ok = accounts.check_password(account.password_hash if account else None, body.password) \
            and account is not None and accounts.has_access(s, account.email)
        account_id = account.id if account else None
    if not ok:
        # counted, not slowed here: this route holds a thread while it runs (the pages, which
        # do not, also make the answer wait)
        throttle.failed(limits)
        raise ApiError(401, "unauthorized", "wrong e-mail or password")
    with db.write() as s:
        token, expires = accounts.issue_token(s, s.get(fm.FamilyAccount, account_id), now)
    throttle.succeeded(account_key("family", email))
    return SessionOut(token=token, expires_at=expires)


@router.delete("/session", status_code=204, responses=responses(401, 403))
def sign_out(family: FamilyCaller, db: Db) -> None:
    """End this session (the token stops working at once)."""
    with db.write() as s:
        s.get(fm.FamilyToken, family.token_id).revoked = True


def _redeem(request: Request, db, body: CodeIn, purposes: tuple[str, ...]) -> PasswordSet:
    throttle, key = throttle_of(request, CODES), f"family:code:{_address(request)}"
    wait = throttle.retry_after([key])
    if wait:
        raise _too_many(wait, "wrong codes")
    try:
        with db.write() as s:
            account = accounts.redeem_code(s, body.code, purposes, body.password, now_of(request), body.email)
            email = account.email
    except accounts.BadCode as exc:
        throttle.failed({key: CODE_TRIES_PER_ADDRESS})
        raise ApiError(400, "invalid_code", str(exc)) from None
    except accounts.FamilyError as exc:
        raise ApiError(422, "invalid_request", str(exc)) from None
    return PasswordSet(email=email)


@router.post("/activation", response_model=PasswordSet, responses=responses(400, 422, 429))
def activate(body: CodeIn, request: Request, db: Db) -> PasswordSet:
    """Activate an account: the one-time code of the invitation and the password chosen."""
    return _redeem(request, db, body, ("activation",))


@router.post("/password-reset", response_model=Accepted, status_code=202, responses=responses(422, 429))
def ask_password_reset(body: EmailIn, request: Request, db: Db) -> Accepted:
    """Ask for a password reset: always 202 (whether the e-mail is known is never told); when a
    guardian has this e-mail, a one-time code is e-mailed to it."""
    throttle, key = throttle_of(request, CODES), f"family:reset:{_address(request)}"
    wait = throttle.retry_after([key])
    if wait:
        raise _too_many(wait, "password reset requests")
    throttle.failed({key: RESET_ASKS_PER_ADDRESS})  # every ask counts: this sends e-mails
    settings = mail_settings_of(request)
    code = None
    try:
        with db.write() as s:
            account = accounts.account_for(s, body.email, now_of(request))
            code, email = accounts.issue_code(s, account, "reset", now_of(request)), account.email
    except accounts.FamilyError:
        pass
    if code is not None:
        mail.send(settings, email, *mail.reset(settings, code))
    return Accepted()


@router.post("/password-reset/confirm", response_model=PasswordSet, responses=responses(400, 422, 429))
def confirm_password_reset(body: CodeIn, request: Request, db: Db) -> PasswordSet:
    """Set a new password with the reset code (or an activation code): every session ends."""
    return _redeem(request, db, body, ("reset", "activation"))


# --- children and bookings -------------------------------------------------------------------------

@router.get("/children", response_model=list[ChildOut], response_model_by_alias=True, responses=responses(401, 403))
def list_children(family: FamilyCaller, db: Db) -> list[ChildOut]:
    """The pupils this family may see, with their balance."""
    with db.read() as s:
        kids = accounts.children(s, family.email)
        balances = {b["person"]: b["balance_cents"] for b in ledger.balances_of(s, [c.person.id for c in kids])}
        return [ChildOut(id=c.person.id, first_name=c.person.first_name, last_name=c.person.last_name,
                         class_name=c.person.class_name, site=c.site.code, balance_cents=balances[c.person.id],
                         plan=c.person.plan, financial=c.financial) for c in kids]


def local_range(site_tz: str, now: datetime, first: date | None, last: date | None,
                default_days: int = 31, max_days: int = cal.MAX_DAYS) -> tuple[date, date]:
    first = first or now.astimezone(ZoneInfo(site_tz)).date()
    last = last or first + timedelta(days=default_days - 1)
    if last < first:
        raise ApiError(422, "invalid_request", "`to` is before `from`")
    if (last - first).days >= max_days:
        raise ApiError(422, "invalid_request", f"ask for at most {max_days} days at once")
    return first, last


From = Annotated[Day | None, Query(alias="from", description="first day (default: today at the school)")]
To = Annotated[Day | None, Query(alias="to", description="last day, inclusive")]


@router.get("/children/{child_id}/calendar", response_model=CalendarOut, responses=responses(401, 403, 422))
def child_calendar(child_id: ChildId, family: FamilyCaller, db: Db, request: Request,
                   first: From = None, last: To = None) -> CalendarOut:
    """Each day and service: `reserved` (cancellable), `reserved_locked` (past its cutoff),
    `bookable`, `not_bookable` (past the cutoff or beyond the horizon) or `closed`."""
    now = now_of(request)
    with db.read() as s:
        c = child_of(s, family, child_id)
        first, last = local_range(c.site.timezone, now, first, last)
        days = cal.calendar(s, c.site, c.person, first, last, now)
        horizon = policy_from_settings(c.site.settings or {}).booking_horizon_days
        return CalendarOut(days=[CalendarDay(**d) for d in days], booking_horizon_days=horizon,
                           timezone=c.site.timezone)


def _refused(refusal: rules.Refusal) -> ApiError:
    return ApiError(409, refusal.code, refusal.reason)


@router.put("/children/{child_id}/reservations/{day}/{service}", response_model=FamilyReservationOut,
            responses=responses(401, 403, 404, 409, 422))
def book(child_id: ChildId, day: Annotated[Day, Path()], service: ServiceCode, family: FamilyCaller, db: Db,
         request: Request) -> FamilyReservationOut:
    """Book a meal before its cutoff: 409 `past_cutoff`, `beyond_horizon`, `closed_day` or
    `person_inactive` otherwise. Booking a meal already booked answers 200 too."""
    with db.write() as s:
        c = child_of(s, family, child_id)
        try:
            r, created = cal.book(s, c.site, c.person, day, service, family.email, now_of(request))
        except rules.Refusal as refusal:
            raise _refused(refusal) from None
        return FamilyReservationOut(date=r.date, service=r.service, status="booked", created=created,
                                    balance_cents=rules.balance_of(s, c.person.id))


@router.delete("/children/{child_id}/reservations/{day}/{service}", response_model=FamilyReservationOut,
               responses=responses(401, 403, 404, 409, 422))
def cancel(child_id: ChildId, day: Annotated[Day, Path()], service: ServiceCode, family: FamilyCaller, db: Db,
           request: Request) -> FamilyReservationOut:
    """Cancel a booked meal before its cutoff (409 `past_cutoff` after); a prepaid meal is credited back."""
    with db.write() as s:
        c = child_of(s, family, child_id)
        try:
            r = cal.cancel(s, c.site, c.person, day, service, family.email, now_of(request))
        except rules.Refusal as refusal:
            raise _refused(refusal) from None
        return FamilyReservationOut(date=r.date, service=r.service, status="cancelled", created=False,
                                    balance_cents=rules.balance_of(s, c.person.id))


@router.post("/children/{child_id}/week-pattern", response_model=PatternOut,
             responses=responses(401, 403, 404, 422))
def week_pattern(child_id: ChildId, body: PatternIn, family: FamilyCaller, db: Db, request: Request) -> PatternOut:
    """Book (or cancel) a week pattern, "every Monday and Thursday until ...": each day under the
    same rules as one booking; refused days are listed with their reason, the others are done."""
    try:
        weekdays = parse_weekdays(body.weekdays)
    except ValueError as exc:
        raise ApiError(422, "invalid_request", str(exc)) from None
    if body.last < body.first or (body.last - body.first).days > 366:
        raise ApiError(422, "invalid_request", "`to` must be on or after `from`, within a year")
    with db.write() as s:
        c = child_of(s, family, child_id)
        days = cal.pattern_days(body.first, body.last, weekdays, body.every_other_week)
        results = cal.apply_pattern(s, c.site, c.person, body.service, days, body.action, family.email,
                                    now_of(request))
    out = [PatternDay(**r) for r in results]
    return PatternOut(days=out, done=sum(d.status in ("booked", "cancelled") for d in out),
                      refused=sum(d.status == "refused" for d in out))


@router.get("/children/{child_id}/changes", response_model=list[ChangeOut], responses=responses(401, 403, 422))
def booking_changes(child_id: ChildId, family: FamilyCaller, db: Db,
                    limit: Annotated[int, Query(ge=1, le=200)] = 50) -> list[ChangeOut]:
    """The latest bookings and cancellations of the pupil, newest first, with who made them."""
    with db.read() as s:
        c = child_of(s, family, child_id)
        return [ChangeOut(date=x.date, service=x.service, action=x.action, by=x.actor_kind, actor=x.actor, at=x.at)
                for x in cal.changes(s, c.person, limit)]


