"""Messages to families (admin, gestionnaire, vie scolaire): the list, writing, editing and
withdrawing. Every rule is `plateau.server.family.messages` (the same `check` any API uses);
this page only reads the form and shows the refusal in the office's words. Each change is
audited there, in the same unit of work. A new message is e-mailed to the families it concerns
when the server has an SMTP server (`family.message_mail`), after the page has answered."""

from __future__ import annotations

from datetime import date

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse
from sqlalchemy import func, select
from starlette.background import BackgroundTask

from plateau.server import feed
from plateau.server import models as m
from plateau.server.family import message_mail
from plateau.server.family import messages as msgs
from plateau.server.family.deps import mail_settings_of
from plateau.server.imports.values import ValueProblem, parse_optional_date
from plateau.server.message_models import SchoolMessageRead
from plateau.server.web.collation import french_key
from plateau.server.web.errors import WebError
from plateau.server.web.i18n import gettext, request_lang
from plateau.server.web.office.deps import Form, Office, db_of, in_thread, need
from plateau.server.web.templating import render

router = APIRouter()
FLASHES = {"written": "Message written: families see it from its first day.", "saved": "Message saved.",
           "withdrawn": "Message withdrawn: families no longer see it."}


def _today(ctx) -> date:
    from zoneinfo import ZoneInfo

    return feed.now().astimezone(ZoneInfo(ctx.timezone)).date()


def _id(request: Request, raw: str) -> int:
    if not raw.isdigit() or not 0 < int(raw) < 2**31:
        raise WebError(404, gettext(request_lang(request))("Not found."))
    return int(raw)


@router.get("/office/messages")
def listing(request: Request, ctx: Office):
    need(request, ctx, "messages")
    today = _today(ctx)
    with db_of(request).read() as s:
        rows = msgs.of_site(s, ctx.site_id)
        reads = dict(s.execute(select(SchoolMessageRead.message_id, func.count()).where(
            SchoolMessageRead.message_id.in_([r.id for r in rows])).group_by(SchoolMessageRead.message_id)).all())
        items = [{"msg": r, "state": msgs.state(r, today), "reads": reads.get(r.id, 0)} for r in rows]
        flash = FLASHES.get(request.query_params.get("flash", ""))
        return render(request, "office/messages.html", {"office": ctx, "page": "messages", "items": items,
                                                        "flash": flash})


def _choices(request: Request, ctx) -> tuple[list[str], list[tuple[str, list[tuple[int, str]]]]]:
    """The site's classes, and its active pupils grouped by class (for the pupils' list)."""
    with db_of(request).read() as s:
        classes = sorted(msgs.class_names(s, ctx.site_id), key=french_key)
        pupils = s.execute(select(m.Person.id, m.Person.last_name, m.Person.first_name, m.Person.class_name).where(
            m.Person.site_id == ctx.site_id, m.Person.status == "active", m.Person.class_name.is_not(None))).all()
    groups: dict[str, list] = {}
    for pid, last, first, klass in sorted(pupils, key=lambda p: french_key(p.last_name, p.first_name)):
        groups.setdefault(klass, []).append((pid, f"{last} {first}"))
    return classes, [(c, groups[c]) for c in classes if c in groups]


def _form_page(request: Request, ctx, form: dict, *, message_id: int | None = None, error: str | None = None,
               status: int = 200, state: str | None = None):
    classes, pupils = _choices(request, ctx)
    return render(request, "office/message_form.html", {
        "office": ctx, "page": "messages", "form": form, "message_id": message_id, "error": error,
        "classes": classes, "pupil_groups": pupils, "state": state, "max_body": msgs.MAX_BODY,
        "max_title": msgs.MAX_TITLE}, status=status)


@router.get("/office/messages/new")
def new(request: Request, ctx: Office):
    need(request, ctx, "messages")
    return _form_page(request, ctx, {"audience": "site", "publish_on": _today(ctx).isoformat(), "classes": [],
                                     "pupils": []})


@router.get("/office/messages/{raw_id}")
def edit(request: Request, ctx: Office, raw_id: str):
    need(request, ctx, "messages")
    message_id = _id(request, raw_id)
    with db_of(request).read() as s:
        try:
            msg = msgs.get(s, ctx.site_id, message_id)
        except msgs.NoSuchMessage:
            raise WebError(404, gettext(request_lang(request))("Not found.")) from None
        classes, pupils = msgs.targets(s, msg.id)
        form = {"title": msg.title, "body": msg.body, "audience": msg.audience, "classes": classes,
                "pupils": [str(p) for p in pupils], "publish_on": msg.publish_on.isoformat(),
                "ends_on": msg.ends_on.isoformat() if msg.ends_on else ""}
        state = msgs.state(msg, _today(ctx))
    return _form_page(request, ctx, form, message_id=message_id, state=state)


async def _typed(request: Request, form: dict) -> dict:
    """The form's fields as text, with the classes and pupils chosen (several values each)."""
    data = await request.form()  # parsed once by `verified_form`: Starlette keeps it
    typed = {k: str(form.get(k) or "") for k in ("title", "body", "publish_on", "ends_on", "audience")}
    typed["classes"] = [str(v)[:40] for v in data.getlist("classes")][:200]
    typed["pupils"] = [str(v)[:12] for v in data.getlist("pupils")][:2000]
    return typed


def _draft(typed: dict) -> msgs.Draft:
    try:
        first = parse_optional_date(typed["publish_on"], "first day")
        last = parse_optional_date(typed["ends_on"], "last day")
    except ValueProblem:
        raise msgs.MessageError("Write the days as DD/MM/YYYY.") from None
    pupils = [int(p) for p in typed["pupils"] if p.isdigit() and 0 < int(p) < 2**31]
    return msgs.Draft(typed["title"], typed["body"], first, last, typed["audience"], typed["classes"], pupils)


async def _save(request: Request, ctx, form: dict, message_id: int | None):
    need(request, ctx, "messages")
    _ = gettext(request_lang(request))
    typed = await _typed(request, form)

    now = feed.now()

    def write() -> int:
        with db_of(request).write() as s:
            site = s.get(m.Site, ctx.site_id)
            return msgs.save(s, site, _draft(typed), actor=ctx.actor, author_id=ctx.user_id, author_name=ctx.name,
                             now=now, message_id=message_id).id

    try:
        written = await in_thread(write)
    except msgs.NoSuchMessage:
        raise WebError(404, _("Not found.")) from None
    except msgs.MessageError as exc:
        return _form_page(request, ctx, typed, message_id=message_id, error=_(exc.text, **exc.kw), status=422)
    if message_id is not None:
        return RedirectResponse("/office/messages?flash=saved", status_code=303)
    # a new message is e-mailed to the families it concerns (SMTP configured), after the answer
    return RedirectResponse("/office/messages?flash=written", status_code=303, background=BackgroundTask(
        message_mail.notify, mail_settings_of(request), db_of(request), written, now))


@router.post("/office/messages")
async def write(request: Request, ctx: Office, form: Form):
    return await _save(request, ctx, form, None)


@router.post("/office/messages/{raw_id}")
async def save(request: Request, ctx: Office, form: Form, raw_id: str):
    return await _save(request, ctx, form, _id(request, raw_id))


@router.post("/office/messages/{raw_id}/withdraw")
async def withdraw(request: Request, ctx: Office, form: Form, raw_id: str):
    need(request, ctx, "messages")
    message_id = _id(request, raw_id)

    def write():
        with db_of(request).write() as s:
            msgs.withdraw(s, s.get(m.Site, ctx.site_id), message_id, actor=ctx.actor, now=feed.now())

    try:
        await in_thread(write)
    except msgs.NoSuchMessage:
        raise WebError(404, gettext(request_lang(request))("Not found.")) from None
    return RedirectResponse("/office/messages?flash=withdrawn", status_code=303)
