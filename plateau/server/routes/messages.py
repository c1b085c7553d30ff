"""The school's messages to families, for administration tokens: `/api/v1/sites/{site}/messages`.

The same rules as the office's Messages page (`plateau.server.family.messages.check`, one copy):
a message that cannot be sent is refused with 422 `invalid_message` and nothing is written.
Each change is in the office's audit log (actor `api`); a new message is e-mailed like one
written in the office (`family.message_mail`). Families read them through
`/api/v1/family/messages`.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated
from zoneinfo import ZoneInfo

from fastapi import APIRouter, BackgroundTasks, Path, Request

from plateau.server import feed, store
from plateau.server.auth import Admin, Db
from plateau.server.errors import ApiError, responses
from plateau.server.family import message_mail, messages
from plateau.server.family.deps import mail_settings_of
from plateau.server.family.schemas import SchoolMessageIn, SchoolMessageOut
from plateau.server.routes.sites import SiteCode

router = APIRouter(prefix="/sites/{site}/messages", tags=["messages"])

MessageId = Annotated[int, Path(ge=1, le=2**31 - 1)]
ACTOR = "api"


def _site(s, caller, code: str):
    site = store.get_site(s, code.upper())
    if not caller.sees(site):  # as if it did not exist, like every route under /sites/{site}
        raise store.NotFound(f"no site {code.upper()!r}")
    return site


def _out(s, site, msg, now: datetime) -> SchoolMessageOut:
    classes, pupils = messages.targets(s, msg.id)
    return SchoolMessageOut(id=msg.id, title=msg.title, body=msg.body, audience=msg.audience, classes=classes,
                            pupils=pupils, publish_on=msg.publish_on, ends_on=msg.ends_on,
                            state=messages.state(msg, now.astimezone(ZoneInfo(site.timezone)).date()),
                            author=msg.author_name, created_at=msg.created_at, updated_at=msg.updated_at,
                            withdrawn_at=msg.withdrawn_at)


def _write(db, caller, site: str, body: SchoolMessageIn, message_id: int | None) -> SchoolMessageOut:
    now = feed.now()
    try:
        with db.write() as s:
            st = _site(s, caller, site)
            draft = messages.Draft(body.title, body.body, body.publish_on, body.ends_on, body.audience,
                                   list(body.classes), list(body.pupils))
            msg = messages.save(s, st, draft, actor=ACTOR, author_id=None, author_name=st.name[:100], now=now,
                                message_id=message_id)
            return _out(s, st, msg, now)
    except messages.MessageError as exc:
        raise ApiError(422, "invalid_message", str(exc)) from None


@router.get("", response_model=list[SchoolMessageOut], responses=responses(401, 403, 404, 422))
def list_messages(site: SiteCode, caller: Admin, db: Db) -> list[SchoolMessageOut]:
    """Every message of the site, newest first, withdrawn ones too (with their `state`)."""
    now = feed.now()
    with db.read() as s:
        st = _site(s, caller, site)
        return [_out(s, st, msg, now) for msg in messages.of_site(s, st.id)]


@router.post("", response_model=SchoolMessageOut, status_code=201, responses=responses(401, 403, 404, 422))
def write_message(site: SiteCode, body: SchoolMessageIn, caller: Admin, db: Db, request: Request,
                  background: BackgroundTasks) -> SchoolMessageOut:
    """Write a message to the site's families (all of them, some classes or some pupils). When
    the server has an SMTP server and the message's first day has come, it is e-mailed to the
    guardians it concerns, after this answer."""
    out = _write(db, caller, site, body, None)
    background.add_task(message_mail.notify, mail_settings_of(request), db, out.id, out.updated_at)
    return out


@router.put("/{message_id}", response_model=SchoolMessageOut, responses=responses(401, 403, 404, 422))
def edit_message(site: SiteCode, message_id: MessageId, body: SchoolMessageIn, caller: Admin,
                 db: Db) -> SchoolMessageOut:
    """Edit a message (what families have read stays read); a withdrawn one cannot be edited (422)."""
    return _write(db, caller, site, body, message_id)


@router.delete("/{message_id}", response_model=SchoolMessageOut, responses=responses(401, 403, 404, 422))
def withdraw_message(site: SiteCode, message_id: MessageId, caller: Admin, db: Db) -> SchoolMessageOut:
    """Withdraw a message: families no longer see it (withdrawing twice changes nothing)."""
    now = feed.now()
    with db.write() as s:
        st = _site(s, caller, site)
        return _out(s, st, messages.withdraw(s, st, message_id, actor=ACTOR, now=now), now)
