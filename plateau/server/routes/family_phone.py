"""The phone as a badge in the family API: `/api/v1/family/children/{id}/phone-badge`.

`PUT` turns it on and answers a new secret each call (the phone stores it; the old one stops
working at the stations' next sync), `DELETE` turns it off, `GET` says whether it is on (never
the secret). docs/protocol.md gives the contract, docs/family-api.md the family's side.
"""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter, Request
from pydantic import BaseModel, Field

from plateau.server.auth import Db
from plateau.server.errors import ApiError, responses
from plateau.server.family import phone_badge as pb
from plateau.server.family.deps import FamilyCaller, now_of
from plateau.server.routes.family import ChildId, child_of

router = APIRouter(prefix="/family", tags=["family"])


class PhoneBadgeOut(BaseModel):
    secret: str = Field(description="base32; store it on the phone, it is shown only once")
    algorithm: str = Field(description="RFC 6238 HMAC algorithm: SHA1")
    digits: int
    period: int = Field(description="seconds per code")
    payload: str = Field(description="the QR code's text, `{code}` replaced by the current code")


class PhoneBadgeState(BaseModel):
    enabled: bool
    allowed: bool = Field(description="the school allows phone badges")
    issued_at: datetime | None = None


@router.get("/children/{child_id}/phone-badge", response_model=PhoneBadgeState, responses=responses(401, 403))
def phone_badge_state(child_id: ChildId, family: FamilyCaller, db: Db) -> PhoneBadgeState:
    """Whether the child's phone badge is on (the secret is never answered again)."""
    with db.read() as s:
        c = child_of(s, family, child_id)
        row = pb.status(s, c.person.id)
        return PhoneBadgeState(enabled=row is not None, allowed=pb.allowed(c.site),
                               issued_at=row.issued_at if row else None)


@router.put("/children/{child_id}/phone-badge", response_model=PhoneBadgeOut, responses=responses(401, 403, 409))
def phone_badge_on(child_id: ChildId, family: FamilyCaller, db: Db, request: Request) -> PhoneBadgeOut:
    """Turn the phone badge on, or re-issue it (a lost phone): a new secret each call. 409
    `phone_badge_not_allowed` when the school does not allow phone badges."""
    with db.write() as s:
        c = child_of(s, family, child_id)
        try:
            issued = pb.turn_on(s, c.site, c.person, family.email, now_of(request))
        except pb.NotAllowed:
            raise ApiError(409, "phone_badge_not_allowed", "this school does not allow phone badges") from None
        return PhoneBadgeOut(secret=issued.secret, algorithm=issued.algorithm, digits=issued.digits,
                             period=issued.period, payload=issued.payload)


@router.delete("/children/{child_id}/phone-badge", status_code=204, responses=responses(401, 403))
def phone_badge_off(child_id: ChildId, family: FamilyCaller, db: Db) -> None:
    """Turn the phone badge off (also when it was off): stations refuse its codes after their next sync."""
    with db.write() as s:
        c = child_of(s, family, child_id)
        pb.turn_off(s, c.site, c.person)
