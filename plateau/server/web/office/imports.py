"""Imports from the office: upload any kind `plateau import` knows, preview, then apply; history.

The preview is `run_import(..., dry_run=True)`: the whole import runs (parse, then apply inside
a unit of work that is rolled back), so it counts exactly what the real one will do and lists
every error with its line, writing nothing. The file is kept in `import_run` until it is applied
(the same all-or-nothing `run_import` as the CLI and the JSON API) or refused.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse
from sqlalchemy import select

from plateau.server import audit, feed
from plateau.server.imports.report import ImportRejected, ImportReport
from plateau.server.imports.runner import KINDS, run_import
from plateau.server.imports.source import max_bytes, too_large
from plateau.server.office_models import ImportRun
from plateau.server.web.errors import WebError
from plateau.server.web.i18n import gettext, request_lang
from plateau.server.web.office.deps import Form, Office, db_of, in_thread, need
from plateau.server.web.office.roles import import_permission
from plateau.server.web.templating import render
from plateau.server.wording import Said, worded

router = APIRouter()
OPTION_NAMES = ("format", "source", "archive_missing")
CARD_FORMATS = ("hex", "hex-reversed", "decimal", "decimal-reversed", "em4100", "wiegand26")


def _kinds(ctx) -> tuple[str, ...]:
    """The kinds this user may import (the vie scolaire: oppositions only)."""
    return tuple(k for k in KINDS if ctx.can(import_permission(k)))


def _history(db, site_id: int, kinds: tuple[str, ...]) -> list[ImportRun]:
    with db.read() as s:
        rows = list(s.execute(select(ImportRun).where(ImportRun.site_id == site_id, ImportRun.kind.in_(kinds))
                              .order_by(ImportRun.id.desc()).limit(50)).scalars())
        for r in rows:  # read every column now: the rows outlive the session
            s.expunge(r)
    return rows


def _summary(report: dict, _) -> str:
    """A stored report's outcome in the page's language (its `summary` is the CLI's English)."""
    if report.get("errors_total"):
        return _("refused: {n} error(s), nothing was changed", n=report["errors_total"])
    return _("{n} new, {m} changed, {k} unchanged", n=report.get("created", 0), m=report.get("updated", 0),
             k=report.get("unchanged", 0))


def _page(request: Request, ctx, *, run: ImportRun | None = None, error: str | None = None, status: int = 200):
    # the report's messages are kept as codes and parameters: worded here in the reader's language
    lang = request_lang(request)
    _ = gettext(lang)
    return render(request, "office/imports.html", {
        "office": ctx, "page": "imports", "kinds": _kinds(ctx), "card_formats": CARD_FORMATS, "run": run,
        "error": error, "history": _history(db_of(request), ctx.site_id, _kinds(ctx)),
        "worded": lambda item: worded(item, lang), "summary": lambda report: _summary(report, _)}, status=status)


@router.get("/office/imports")
def imports_page(request: Request, ctx: Office):
    need(request, ctx, "import_oppositions")  # the vie scolaire: oppositions only (see _kinds)
    return _page(request, ctx)


@router.post("/office/imports/preview")
async def preview(request: Request, ctx: Office, form: Form):
    kind = str(form.get("kind") or "")
    need(request, ctx, import_permission(kind))
    _ = gettext(request_lang(request))
    upload = form.get("file")
    if kind not in KINDS:
        return _page(request, ctx, error=_("The file was refused: {reason}",
                                           reason=Said("kind_unknown", kind=kind[:40], kinds=", ".join(KINDS))
                                           .text(request_lang(request))), status=400)
    if upload is None or isinstance(upload, str) or not upload.filename:
        return _page(request, ctx, error=_("Choose a file."), status=400)
    data = await upload.read(max_bytes(kind) + 1)
    if len(data) > max_bytes(kind):
        return _page(request, ctx, error=_("The file was refused: {reason}",
                                           reason=too_large(kind).worded(request_lang(request))), status=413)
    options = {k: str(form.get(k)) for k in OPTION_NAMES if form.get(k)}
    if options.get("format") and options["format"] not in CARD_FORMATS:
        options.pop("format")
    try:
        report = await in_thread(run_import, db_of(request), ctx.site_code, kind, data, options, dry_run=True)
    except ImportRejected as exc:
        return _page(request, ctx, error=_("The file was refused: {reason}", reason=exc.worded(request_lang(request))),
                     status=400)

    def save() -> int:
        with db_of(request).write() as s:
            run = ImportRun(site_id=ctx.site_id, actor=ctx.actor, kind=kind, filename=upload.filename[:255],
                            options=options, state="previewed" if report.ok else "refused", report=report.to_json(),
                            data=data if report.ok else None, created_at=feed.now())
            s.add(run)
            s.flush()
            return run.id

    run_id = await in_thread(save)
    return RedirectResponse(f"/office/imports/{run_id}", status_code=303)


def _run_of(request: Request, ctx, run_id: int) -> ImportRun:
    with db_of(request).read() as s:
        run = s.get(ImportRun, run_id)
        if run is None or run.site_id != ctx.site_id:
            raise WebError(404, gettext(request_lang(request))("Not found."))
        s.expunge(run)
        return run


@router.get("/office/imports/{run_id}")
def show_run(request: Request, ctx: Office, run_id: int):
    run = _run_of(request, ctx, run_id)
    need(request, ctx, import_permission(run.kind))
    return _page(request, ctx, run=run)


@router.post("/office/imports/{run_id}/apply")
async def apply(request: Request, ctx: Office, form: Form, run_id: int):
    run = _run_of(request, ctx, run_id)
    need(request, ctx, import_permission(run.kind))
    _ = gettext(request_lang(request))
    if run.state != "previewed" or run.data is None:
        return _page(request, ctx, run=run, error=_("This import was already applied or refused."), status=409)
    try:
        report = await in_thread(run_import, db_of(request), ctx.site_code, run.kind, run.data, run.options)
    except ImportRejected as exc:  # the site changed since the preview in a way the file cannot take
        report = ImportReport(kind=run.kind, site=ctx.site_code)   # kept as its one error, worded per reader
        report.error(exc.line, exc.said or exc.reason, exc.column)

    def save():
        with db_of(request).write() as s:
            row = s.get(ImportRun, run_id)
            row.data = None
            row.applied_at = feed.now()
            row.state, row.report = ("applied" if report.applied else "refused"), report.to_json()
            audit.record(s, ctx.actor, "import.apply", site_id=ctx.site_id, target=f"import:{run_id}",
                         after={"kind": row.kind, "file": row.filename, "state": row.state,
                                "summary": (row.report or {}).get("summary", row.note)})

    await in_thread(save)
    return RedirectResponse(f"/office/imports/{run_id}", status_code=303)
