"""Running one import: read the site, parse the file, apply it all-or-nothing, answer the report.

Both `plateau import` and `POST /api/v1/admin/imports/{kind}` call `run_import`. The file is
parsed before the database is written to; if the parse or the apply step finds any error,
the unit of work is rolled back (nothing changed, no change-feed item) and the report lists
every error with its line. The site row is locked for the whole apply step, so an import and
the stations' pushes of the same site serialise (see `plateau.server.feed`).
"""

from __future__ import annotations

import importlib
import logging
from datetime import date
from typing import Any

from plateau.server import feed, store
from plateau.server.imports.context import ImportContext
from plateau.server.imports.encoding import decode
from plateau.server.imports.report import ImportRejected, ImportReport
from plateau.server.imports.source import check_content
from plateau.server.wording import Said

log = logging.getLogger(__name__)

KINDS = ("siecle", "calendar", "persons", "cards", "payments", "oppositions", "reservations", "guardians")
_MODULES = {"calendar": "calendar_kind"}


class _RollBack(Exception):
    """Raised inside the unit of work to undo it when the apply step found errors."""


class _Preview(Exception):
    """Raised inside the unit of work to undo a dry run that found no error (counts kept)."""


def kind_module(kind: str):
    if kind not in KINDS:
        raise ImportRejected(Said("kind_unknown", kind=kind, kinds=", ".join(KINDS)))
    return importlib.import_module(f"plateau.server.imports.{_MODULES.get(kind, kind)}")


def context_for(site, options: dict[str, str] | None = None, today: date | None = None) -> ImportContext:
    return ImportContext(site=site.code, timezone=site.timezone, zone=site.zone, today=today,
                         settings={str(k): str(v) for k, v in (site.settings or {}).items()},
                         options=dict(options or {}))


def run_import(db, site_code: str, kind: str, data: bytes, options: dict[str, Any] | None = None,
               *, today: date | None = None, dry_run: bool = False) -> ImportReport:
    """Import `data` (the file's bytes) of `kind` into site `site_code`.

    Returns the report (`applied` True when written). Raises `ImportRejected` when the file is
    refused whole (empty, binary, wrong kind, malformed) and `store.NotFound` for an unknown site.
    `dry_run` (the office's preview) runs every step, keeps the counts and errors, and writes nothing.
    """
    module = kind_module(kind)
    if kind == "siecle":  # SIÈCLE has two exports: the pupils' and the guardians' (by the XML root)
        from plateau.server.imports import guardians_siecle

        if guardians_siecle.is_responsables(data):
            module = guardians_siecle
    options = {k: str(v) for k, v in (options or {}).items() if v is not None}
    with db.read() as session:
        site = store.get_site(session, site_code)
        ctx = context_for(site, options, today)
    report = ImportReport(kind=kind, site=ctx.site)
    check_content(data)  # an empty or binary file is told so before its encoding is looked at
    decoded = decode(data, xml=kind == "siecle")
    report.encoding = decoded.encoding
    if decoded.note:
        report.note(None, decoded.note)
    records = module.parse(data, ctx, report)
    # Even with errors already, the apply step runs (and is undone): it finds the lines naming
    # unknown persons or services, so the secretary gets every error of the file at once.
    try:
        with db.write() as session:
            site = store.get_site(session, site_code)
            feed.lock_site(session, site.id)
            try:
                module.apply(session, site, records, ctx, report)
            except store.StoreError as exc:  # a value the parser let through: still the person's words
                report.error(None, exc)
            except Exception:
                if not report.errors:
                    raise
                # a consequence of a line already reported (the unit of work is undone anyway)
                log.debug("import apply stopped after reported errors", exc_info=True)
            if report.errors:
                raise _RollBack()
            if dry_run:
                raise _Preview()
    except _Preview:
        _sort(report)
        return report
    except _RollBack:
        report.created = report.updated = report.unchanged = 0
        _sort(report)
        return report
    report.applied = True
    _sort(report)
    log.info("import kind=%s site=%s created=%d updated=%d unchanged=%d", kind, ctx.site, report.created,
             report.updated, report.unchanged)
    return report


def _sort(report: ImportReport) -> None:
    """File order (stable: messages of one line keep their order); file-wide ones first."""
    report.errors.sort(key=lambda e: e.line or 0)
    report.notes.sort(key=lambda e: e.line or 0)

