"""The family API, messages from the school: `/api/v1/family/messages` (docs/family-api.md).

A family token lists the messages that apply to its own children only (published, not expired
nor withdrawn, newest first) and marks one read. Any other message id, another family's or one
that does not exist, answers the same 404. Sync routes: they run on the thread pool.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Request
from sqlalchemy.exc import IntegrityError

from plateau.server.auth import Db
from plateau.server.errors import ApiError, responses
from plateau.server.family import messages
from plateau.server.family.deps import FamilyCaller, now_of
from plateau.server.family.schemas import MessageOut

router = APIRouter(prefix="/family", tags=["family"])

MessageId = Annotated[int, Path(ge=1, le=2**31 - 1, description="the message's id, as `GET /family/messages` lists it")]


def message_out(found: messages.FamilyMessage) -> MessageOut:
    msg = found.message
    return MessageOut(id=msg.id, site=found.site_code, title=msg.title, body=msg.body, published_on=msg.publish_on,
                      ends_on=msg.ends_on, author=msg.author_name, children=list(found.children), read=found.read,
                      updated_at=msg.updated_at)


def _not_found() -> ApiError:
    return ApiError(404, "not_found", "no such message")


@router.get("/messages", response_model=list[MessageOut], responses=responses(401, 403))
def list_messages(family: FamilyCaller, db: Db, request: Request) -> list[MessageOut]:
    """The messages from the school about this family's children, newest first; `read` says
    whether the family opened each one."""
    with db.read() as s:
        return [message_out(f) for f in messages.for_family(s, family.email, now_of(request))]


@router.get("/messages/{message_id}", response_model=MessageOut, responses=responses(401, 403, 404))
def get_message(message_id: MessageId, family: FamilyCaller, db: Db, request: Request) -> MessageOut:
    """One message (reading it does not mark it read: `POST …/read` does)."""
    with db.read() as s:
        try:
            return message_out(messages.one_for_family(s, family.email, message_id, now_of(request)))
        except messages.NoSuchMessage:
            raise _not_found() from None


@router.post("/messages/{message_id}/read", response_model=MessageOut, responses=responses(401, 403, 404))
def mark_read(message_id: MessageId, family: FamilyCaller, db: Db, request: Request) -> MessageOut:
    """Mark a message read (for every guardian row of this family at the message's school);
    marking it again changes nothing."""
    now = now_of(request)
    try:
        with db.write() as s:
            return message_out(messages.mark_read(s, family.email, message_id, now))
    except messages.NoSuchMessage:
        raise _not_found() from None
    except IntegrityError:  # the other tab (or app) of the same family marked it in the same instant
        with db.read() as s:
            return message_out(messages.one_for_family(s, family.email, message_id, now))
