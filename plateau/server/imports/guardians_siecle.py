"""SIÈCLE / BEE guardians export (`ResponsablesAvecAdresses.xml`, root `BEE_RESPONSABLES`),
accepted by `plateau import siecle` next to the pupils' export (the file's root says which).

Read like the pupils' export (`siecle.read` style): expat, streaming, DTD and entities refused,
the encoding decided from the bytes (`encoding.py`; SIÈCLE writes ISO-8859-15). What is read:
``PERSONNE`` (attribute or child ``PERSONNE_ID``; ``NOM_DE_FAMILLE`` (or ``NOM``), ``PRENOM``,
``COURRIEL`` or ``MEL``) and the links ``RESPONSABLE_ELEVE`` (or ``RESPONSABLE``) with
``ELEVE_ID``, ``PERSONNE_ID``, ``RESP_LEGAL`` (1 or 2: legal guardian; 0: another contact) and
``RESP_FINANCIER`` (1: pays). A person linked to no pupil is not a guardian here.
"""

from __future__ import annotations

import re
import xml.parsers.expat

from plateau.server.family.guardians import GuardianLine, check_email, save_guardians
from plateau.server.imports.context import ImportContext
from plateau.server.imports.report import ImportRejected, ImportReport
from plateau.server.imports.encoding import decode
from plateau.server.imports.siecle import run_parser
from plateau.server.imports.source import check_content
from plateau.server.wording import Said

ROOT = "BEE_RESPONSABLES"
_LINKS = ("RESPONSABLE_ELEVE", "RESPONSABLE")
_ROOT_TAG = re.compile(rb"<([A-Za-z_][\w.-]*)")


def is_responsables(data: bytes) -> bool:
    """Whether this XML's root element is the guardians' export (sniffed from its first bytes)."""
    head = data[:4096].lstrip(b"\xef\xbb\xbf")
    for match in _ROOT_TAG.finditer(head):
        if head[match.start() + 1:match.start() + 2] not in (b"?", b"!"):
            return match.group(1) == ROOT.encode()
    return False


def _read(data: bytes) -> tuple[dict, dict, list]:
    """(PARAMETRES, persons by PERSONNE_ID, links), each record a dict of its direct children
    with the line it starts on under ``_line``."""
    check_content(data)
    body = decode(data, xml=True).text  # the rules of `encoding.py`, as for the pupils' export
    p = xml.parsers.expat.ParserCreate()
    stack: list[tuple[str, dict, list]] = []   # element name, record (or None), text parts
    params: dict[str, str] = {}
    persons: dict[str, dict] = {}
    links: list[dict] = []

    def start(name, attrs):
        if not stack and name != ROOT:
            raise ImportRejected(Said("siecle_guardians_wrong_root", name=name, root=ROOT))
        record = None
        if name == "PERSONNE" or name in _LINKS:
            record = {"_line": p.CurrentLineNumber, **{k: v.strip() for k, v in attrs.items()}}
        stack.append((name, record, []))

    def end(name):
        _name, record, parts = stack.pop()
        text = "".join(parts).strip()
        parent = stack[-1] if stack else None
        if record is not None:
            if name == "PERSONNE" and record.get("PERSONNE_ID"):
                persons.setdefault(record["PERSONNE_ID"], record)
            elif name in _LINKS and record.get("ELEVE_ID"):
                links.append(record)
        elif parent is not None and parent[1] is not None:
            parent[1].setdefault(name, text)
        elif parent is not None and parent[0] == "PARAMETRES":
            params[name] = text

    def chars(text):
        if stack:
            stack[-1][2].append(text)

    p.StartElementHandler, p.EndElementHandler, p.CharacterDataHandler = start, end, chars
    run_parser(p, body)
    return params, persons, links


def _flag(value: str | None, legal: bool) -> bool:
    v = (value or "").strip()
    return v in ("1", "2") if legal else v == "1"


def parse(data: bytes, ctx: ImportContext, report: ImportReport) -> list[GuardianLine]:
    params, persons, links = _read(data)
    uaj = (params.get("UAJ") or "").strip().upper()
    if uaj and ctx.site and uaj != ctx.site.upper():
        raise ImportRejected(Said("siecle_other_school", uaj=uaj, site=ctx.site))
    if not links:
        raise ImportRejected(Said("siecle_guardians_no_link"))
    out: dict[str, GuardianLine] = {}
    for link in links:
        pid, eid, line = link.get("PERSONNE_ID", ""), link["ELEVE_ID"], link["_line"]
        legal, financial = _flag(link.get("RESP_LEGAL"), True), _flag(link.get("RESP_FINANCIER"), False)
        if not legal and not financial:
            continue  # another contact (grandparent, neighbour): not a guardian of the portal
        person = persons.get(pid)
        if person is None:
            report.error(line, Said("guardian_not_in_persons", eid=eid, pid=pid or "(none)"))
            continue
        g = out.get(pid)
        if g is None:
            last = person.get("NOM_DE_FAMILLE") or person.get("NOM_USAGE") or person.get("NOM") or ""
            if not last:
                report.error(person["_line"], Said("guardian_no_last_name", gid=pid))
                continue
            try:
                email = check_email(person.get("COURRIEL") or person.get("MEL"))
            except ValueError as exc:
                report.note(person["_line"], Said("guardian_email_dropped", gid=pid, first=person.get("PRENOM", ""),
                                                  last=last, detail=str(exc)))
                email = None
            g = out[pid] = GuardianLine(person["_line"], pid, email, last, person.get("PRENOM", ""))
        g.links.append((line, eid, legal, financial))
    report.records = len(out)
    return list(out.values())


def apply(session, site, guardians: list[GuardianLine], ctx: ImportContext, report: ImportReport) -> None:
    save_guardians(session, site, guardians, report)
