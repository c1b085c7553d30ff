"""`guardians`: the families and the pupils they may see and pay for, from a CSV file.

Columns: ``guardian;email;last_name;first_name;person``, one line per guardian
and pupil; optional ``financial`` (``1``/``0``, default 1: may pay) and ``legal`` (default 1).
`guardian` is the guardian's external id (SIÈCLE's PERSONNE_ID), `person` the pupil's external
id or INE; `email` may be empty (the family then gets a printed activation letter). The file
holds every guardian of the site: see `plateau.server.family.guardians` for what a re-import does.
"""

from __future__ import annotations

from plateau.server.family.guardians import GuardianLine, check_email, save_guardians
from plateau.server.imports.context import ImportContext
from plateau.server.imports.report import ImportReport
from plateau.server.imports.source import csv_rows
from plateau.server.imports.values import ValueProblem
from plateau.server.wording import Said

REQUIRED = ("guardian", "email", "last_name", "first_name", "person")
OPTIONAL = ("financial", "legal")
ALIASES = {"responsable": "guardian", "personne_id": "guardian", "mail": "email", "courriel": "email",
           "mel": "email", "nom": "last_name", "prenom": "first_name", "eleve": "person", "eleve_id": "person",
           "financier": "financial", "payeur": "financial", "legal_guardian": "legal"}
_YES, _NO = ("1", "true", "yes", "oui", "o", "y"), ("0", "false", "no", "non", "n")


def flag(text: str, column: str, default: bool = True) -> bool:
    t = text.strip().lower()
    if not t:
        return default
    if t in _YES:
        return True
    if t in _NO:
        return False
    raise ValueProblem(Said("flag_invalid", column=column, text=text))


def parse(data: bytes, ctx: ImportContext, report: ImportReport) -> list[GuardianLine]:
    _names, rows = csv_rows(data, "guardians", REQUIRED, OPTIONAL, ALIASES)
    out: dict[str, GuardianLine] = {}
    seen: dict[tuple[str, str], int] = {}
    for row in rows:
        try:
            gid, ref = row.get("guardian"), row.get("person")
            if not gid:
                raise ValueProblem(Said("guardian_ref_empty"))
            if len(gid) > 64 or len(ref) > 64:
                raise ValueProblem(Said("id_too_long_64"))
            if not ref:
                raise ValueProblem(Said("guardian_pupil_empty", gid=gid))
            if not row.get("last_name"):
                raise ValueProblem(Said("guardian_last_name", gid=gid))
            try:
                email = check_email(row.get("email"))
            except ValueError as exc:
                raise ValueProblem(Said("guardian_email", gid=gid, detail=str(exc))) from None
            financial = flag(row.get("financial"), "financial")
            legal = flag(row.get("legal"), "legal")
            if (gid, ref) in seen:
                raise ValueProblem(Said("guardian_pupil_twice", gid=gid, ref=ref, line=seen[gid, ref]))
            g = out.get(gid)
            if g is None:
                g = out[gid] = GuardianLine(row.line, gid, email, row.get("last_name"), row.get("first_name"))
            elif g.email != email:
                raise ValueProblem(Said("guardian_other_email", gid=gid, line=g.line, email=g.email or "none"))
        except ValueProblem as exc:
            report.error(row.line, exc)
            continue
        seen[gid, ref] = row.line
        g.links.append((row.line, ref, legal, financial))
    report.records = len(out)
    return list(out.values())


def apply(session, site, guardians: list[GuardianLine], ctx: ImportContext, report: ImportReport) -> None:
    save_guardians(session, site, guardians, report)
