"""`POST /api/v1/admin/imports/{kind}?site=UAI`: the same imports as `plateau import`, by HTTP.

The request body is the file itself (any content type: text/csv, application/xml,
text/calendar, application/octet-stream), read in chunks up to the kind's size limit (413
beyond it, without reading on). All-or-nothing: 200 with the report when applied; 422 with
``{"error": "import_failed", "reason", "report"}`` when lines had errors (nothing changed);
400 ``rejected_file`` when the file is refused whole (empty, binary, wrong kind, malformed).
The parse and the database work run on FastAPI's thread pool, off the event loop.
"""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Path, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from plateau.server.auth import Admin, Db
from plateau.server.errors import ApiError, responses
from plateau.server.imports.report import ImportRejected
from plateau.server.imports.runner import run_import
from plateau.server.imports.source import max_bytes, too_large

router = APIRouter(prefix="/admin/imports", tags=["imports"])

Kind = Literal["siecle", "calendar", "persons", "cards", "payments", "oppositions", "reservations", "guardians"]
_BODY = {"requestBody": {"required": True, "content": {
    media: {"schema": {"type": "string", "format": "binary"}}
    for media in ("text/csv", "application/xml", "text/calendar", "application/octet-stream")}}}


class LineMessageOut(BaseModel):
    line: int | None
    message: str
    column: int | None = None


class ImportReportOut(BaseModel):
    """The answer of an import: counts, errors and notes with the file line they are about."""

    kind: str
    site: str | None
    applied: bool
    records: int
    created: int
    updated: int
    unchanged: int
    errors: list[LineMessageOut]
    errors_total: int
    notes: list[LineMessageOut]
    notes_total: int
    encoding: str | None = None   # how the file's bytes were read: UTF-8, UTF-8 (BOM), UTF-16, ISO-8859-15
    summary: str


async def _read_body(request: Request, kind: str) -> bytes:
    limit = max_bytes(kind)
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise ApiError(413, "request_too_large", str(too_large(kind, int(declared))))
    parts, total = [], 0
    async for chunk in request.stream():
        total += len(chunk)
        if total > limit:
            raise ApiError(413, "request_too_large", str(too_large(kind)))
        parts.append(chunk)
    return b"".join(parts)


@router.post("/{kind}", response_model=ImportReportOut, openapi_extra=_BODY,
             responses={**responses(400, 401, 403, 404, 413), 422: {
                 "description": "lines with errors: nothing was imported; the report lists them"}})
async def import_file(kind: Annotated[Kind, Path()], request: Request, caller: Admin, db: Db,
                      site: Annotated[str, Query(min_length=1, max_length=16, description="the site's UAI")],
                      format: Annotated[str | None, Query(max_length=20, description="cards: UID spelling; "
                                                          "calendar: csv or ics")] = None,
                      zone: Annotated[str | None, Query(max_length=64)] = None,
                      population: Annotated[str | None, Query(max_length=64)] = None,
                      source: Annotated[str | None, Query(max_length=32)] = None,
                      archive_missing: Annotated[bool, Query(description="siecle: archive the pupils of earlier "
                                                             "imports this export no longer lists")] = False):
    """Import one file of `kind` into `site`, all or nothing, and answer the report."""
    data = await _read_body(request, kind)
    options = {"format": format, "zone": zone, "population": population, "source": source,
               "archive_missing": "1" if archive_missing else None}
    try:
        report = await run_in_threadpool(run_import, db, site.upper(), kind, data, options)
    except ImportRejected as exc:
        raise ApiError(400, "rejected_file", str(exc)) from None
    body = report.to_json()
    if not report.applied:
        return JSONResponse({"error": "import_failed", "reason": report.summary(), "report": body},
                            status_code=422)
    return body
