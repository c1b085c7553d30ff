"""The Espace Famille's messages from the school: the list (newest first, unread ones marked)
and one message, which opening marks read. Both are the family API's own route functions
(`routes.family_messages`) called with the signed-in family, so the portal and an app agree."""

from __future__ import annotations

from fastapi import APIRouter, Request

from plateau.server.errors import ApiError
from plateau.server.routes import family_messages as api
from plateau.server.web.errors import WebError
from plateau.server.web.famille.deps import Famille, db_of, in_thread, words
from plateau.server.web.famille.pages import page

router = APIRouter()


@router.get("/famille/messages")
def listing(request: Request, ctx: Famille):
    rows = api.list_messages(ctx.family, db_of(request), request)
    return page(request, ctx, "famille/messages.html", "messages", rows=rows,
                names={k.id: k.first_name for k in ctx.children}, several=len(ctx.children) > 1)


@router.get("/famille/messages/{raw_id}")
async def one(request: Request, ctx: Famille, raw_id: str):
    def read():
        if not raw_id.isdigit() or not 0 < int(raw_id) < 2**31:
            raise ApiError(404, "not_found", "no such message")
        return api.mark_read(int(raw_id), ctx.family, db_of(request), request)

    try:
        msg = await in_thread(read)
    except ApiError:  # another family's message, a withdrawn one, no message at all: the same page
        raise WebError(404, words(request)("This message does not exist or is no longer shown.")) from None
    return page(request, ctx, "famille/message.html", "messages", msg=msg,
                names={k.id: k.first_name for k in ctx.children}, several=len(ctx.children) > 1)
