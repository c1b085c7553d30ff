"""SIÈCLE / BEE pupil export (`ElevesSansAdresses.xml`, `ElevesAvecAdresses.xml`, root `BEE_ELEVES`).

Read with the standard library's expat, streaming, so that every pupil keeps the line it
starts on. The parser refuses any DTD or entity declaration (no external entities, no
"billion laughs"), reads the text in the encoding its bytes show (`encoding.py`: ISO-8859-15 is
what SIÈCLE writes; a file re-saved as UTF-8 that kept its old declaration is read as UTF-8),
and rejects malformed XML whole with expat's line and column.

Only direct children of `ELEVE` are read: `ElevesAvecAdresses.xml` nests last year's
schooling (`SCOLARITE_AN_DERNIER/CODE_STRUCTURE`, ...) inside the pupil, and those must not be
taken for this year's values.
"""

from __future__ import annotations

import xml.parsers.expat
from dataclasses import dataclass, field
from datetime import date

from plateau.domain.regimes import RegimeMappingError, mapping_for_site, plan_for
from plateau.server.imports.context import ImportContext
from plateau.server.imports.encoding import decode
from plateau.server.imports.report import ImportRejected, ImportReport
from plateau.server.imports.source import check_content
from plateau.server.imports.values import ValueProblem, parse_optional_date
from plateau.server.wording import Said

INACTIVE_CLASS = "inactifs"


class _Forbidden(Exception):
    pass


@dataclass
class Pupil:
    """One `ELEVE` as the canteen needs it, with the file line it starts on."""

    line: int
    eleve_id: str
    ine: str | None
    last_name: str
    first_name: str
    birth_date: date | None
    regime: str | None
    plan: str
    forfait_days: str | None          # 'mon,tue,thu,fri', '?' (keep existing / all week), None
    arrival_date: date | None
    leaving_date: date | None
    mef: str | None
    class_name: str | None = None
    groups: list[str] = field(default_factory=list)
    left: bool = False

    @property
    def status(self) -> str:
        return "archived" if self.left else "active"


@dataclass
class _Element:
    name: str
    line: int
    attrs: dict[str, str]
    text: list[str] = field(default_factory=list)
    children: dict[str, tuple[str, int]] = field(default_factory=dict)   # direct children: text, line
    items: list[dict[str, str]] = field(default_factory=list)           # STRUCTURE children


def read_elements(data: bytes) -> tuple[dict[str, str], list[_Element], list[_Element]]:
    """Parse the XML: (PARAMETRES values, ELEVE elements, STRUCTURES_ELEVE elements)."""
    check_content(data)
    # decoded here by the rules of `encoding.py` (a declaration the bytes contradict is overruled);
    # expat reads text as it is, whatever the file's own declaration says
    body = decode(data, xml=True).text
    p = xml.parsers.expat.ParserCreate()
    stack: list[_Element] = []
    params: dict[str, str] = {}
    pupils: list[_Element] = []
    structures: list[_Element] = []
    root_seen: list[str] = []

    def start(name, attrs):
        if not stack and not root_seen:
            root_seen.append(name)
            if name != "BEE_ELEVES":
                raise ImportRejected(Said("siecle_wrong_root", name=name))
        stack.append(_Element(name, p.CurrentLineNumber, attrs))

    def end(name):
        el = stack.pop()
        parent = stack[-1] if stack else None
        text = "".join(el.text).strip()
        if name == "ELEVE" and parent is not None and parent.name == "ELEVES":
            pupils.append(el)
        elif name == "STRUCTURES_ELEVE":
            structures.append(el)
        elif parent is not None and parent.name == "ELEVE":
            parent.children.setdefault(name, (text, el.line))
        elif parent is not None and parent.name == "STRUCTURE":
            parent.children.setdefault(name, (text, el.line))
        elif name == "STRUCTURE" and parent is not None and parent.name == "STRUCTURES_ELEVE":
            parent.items.append({k: v for k, (v, _line) in el.children.items()} | {"_line": str(el.line)})
        elif parent is not None and parent.name == "PARAMETRES":
            params[name] = text

    def chars(text):
        if stack:
            stack[-1].text.append(text)

    p.StartElementHandler = start
    p.EndElementHandler = end
    p.CharacterDataHandler = chars
    run_parser(p, body, not_xml="this is not an XML file (a SIÈCLE export is XML: ElevesSansAdresses.xml)",
               seen_root=lambda: bool(root_seen))
    return params, pupils, structures


def run_parser(p, body: str, *, not_xml: str | None = None, seen_root=lambda: True) -> None:
    """Parse `body` with the expat parser `p` (its element handlers set), refusing a DTD or an entity
    (a SIÈCLE export never has one: "billion laughs") and turning expat's errors into
    ImportRejected with their line; `not_xml` is said when the very first line does not parse
    and no root element was seen. The pupils' and the guardians' exports both read this way."""
    def forbid(*_args):
        raise _Forbidden()

    p.StartDoctypeDeclHandler = p.EntityDeclHandler = p.ExternalEntityRefHandler = forbid
    try:
        p.Parse(body, True)
    except _Forbidden:
        raise ImportRejected(Said("xml_dtd"), line=p.CurrentLineNumber) from None
    except xml.parsers.expat.ExpatError as exc:
        if not_xml and not seen_root() and exc.lineno <= 1:
            raise ImportRejected(not_xml) from None
        raise ImportRejected(Said("xml_malformed", detail=xml.parsers.expat.errors.messages[exc.code]),
                             line=exc.lineno, column=exc.offset + 1) from None


def _detail(exc: ValueProblem) -> dict | str:
    """A cell's problem as a message parameter (worded in the reader's language when coded)."""
    return exc.said.to_json() if exc.said is not None else str(exc)


def _text(el: _Element, *names: str) -> tuple[str, int]:
    for n in names:
        value, line = el.children.get(n, ("", el.line))
        if value:
            return value, line
    return "", el.line


def parse(data: bytes, ctx: ImportContext, report: ImportReport) -> list[Pupil]:
    """The pupils of a SIÈCLE export; errors and notes go to `report`."""
    params, elements, structures = read_elements(data)
    uaj = (params.get("UAJ") or "").strip().upper()
    if uaj and ctx.site and uaj != ctx.site.upper():
        raise ImportRejected(Said("siecle_other_school", uaj=uaj, site=ctx.site))
    if not elements:
        raise ImportRejected(Said("siecle_no_pupil"))
    try:
        mapping = mapping_for_site(ctx.settings.get("regime_plans"))
    except RegimeMappingError as exc:
        raise ImportRejected(f"the site setting {exc}") from None
    today = ctx.local_today
    pupils: dict[str, Pupil] = {}
    by_ine: dict[str, Pupil] = {}
    for el in elements:
        eid = (el.attrs.get("ELEVE_ID") or "").strip()
        if not eid:
            report.error(el.line, Said("pupil_no_id"))
            continue
        if eid in pupils:
            report.error(el.line, Said("pupil_twice", eid=eid, line=pupils[eid].line))
            continue
        last, _ = _text(el, "NOM_USAGE", "NOM_DE_FAMILLE", "NOM")
        first, _ = _text(el, "PRENOM")
        ine, ine_line = _text(el, "ID_NATIONAL")
        problems = []
        if not last:
            problems.append(Said("siecle_no_last_name"))
        if not first:
            problems.append(Said("siecle_no_first_name"))
        dates: dict[str, date | None] = {}
        for tag, label in (("DATE_NAISS", "birth date"), ("DATE_ENTREE", "entry date"),
                           ("DATE_SORTIE", "leaving date")):
            value, line = _text(el, tag)
            try:
                dates[tag] = parse_optional_date(value, f"{label} ({tag})")
            except ValueProblem as exc:
                report.error(line, Said("pupil_value", eid=eid, detail=_detail(exc)))
                dates[tag] = None
                problems.append(None)
        if dates["DATE_ENTREE"] and dates["DATE_SORTIE"] and dates["DATE_SORTIE"] < dates["DATE_ENTREE"]:
            problems.append(Said("siecle_leaving_before_entry"))
        regime, regime_line = _text(el, "CODE_REGIME")
        choice = plan_for(regime, mapping)
        if regime and choice is None:
            problems.append(Said("siecle_regime_unknown", regime=regime))
        for msg in filter(None, problems):
            report.error(el.line, Said("pupil_problem", eid=eid, first=first, last=last, detail=msg.to_json()))
        if problems:
            continue
        if ine and ine.upper() in by_ine:
            report.error(ine_line, Said("pupil_ine_twice", eid=eid, ine=ine, other=by_ine[ine.upper()].eleve_id,
                                        line=by_ine[ine.upper()].line))
            continue
        if choice is None:
            report.note(el.line, Said("pupil_no_regime", eid=eid, first=first, last=last))
            plan, days = "none", None
        else:
            plan, days = choice.plan, choice.forfait_days
            if choice.guessed:
                report.note(regime_line, Said("regime_guessed", eid=eid, regime=regime, letter=regime[0],
                                              plan=choice.plan))
        pupil = Pupil(el.line, eid, ine.upper() or None, last, first, dates["DATE_NAISS"], regime or None,
                      plan, days, dates["DATE_ENTREE"], dates["DATE_SORTIE"], _text(el, "CODE_MEF")[0] or None)
        pupils[eid] = pupil
        if pupil.ine:
            by_ine[pupil.ine] = pupil
    _attach_structures(pupils, structures, report)
    for pupil in pupils.values():
        inactive_class = (pupil.class_name or "").strip().lower() == INACTIVE_CLASS
        pupil.left = inactive_class or (pupil.leaving_date is not None and pupil.leaving_date < today)
        if inactive_class:
            pupil.class_name = None
        if pupil.class_name is None and not pupil.left:
            report.note(pupil.line, Said("pupil_no_class", eid=pupil.eleve_id, first=pupil.first_name,
                                         last=pupil.last_name))
        if pupil.forfait_days == "?" and not pupil.left:
            report.note(pupil.line, Said("regime_days_unknown", eid=pupil.eleve_id, regime=pupil.regime))
    report.records = len(pupils)
    return list(pupils.values())


def _attach_structures(pupils: dict[str, Pupil], structures: list[_Element], report: ImportReport) -> None:
    for st in structures:
        eid = (st.attrs.get("ELEVE_ID") or "").strip()
        pupil = pupils.get(eid)
        if pupil is None:
            continue  # a pupil refused above, or one SIÈCLE lists without ELEVE: nothing to attach
        for item in st.items:
            code = (item.get("CODE_STRUCTURE") or "").strip()
            kind = (item.get("TYPE_STRUCTURE") or "").strip().upper()
            if not code:
                continue
            if kind == "G":
                pupil.groups.append(code)
            elif kind == "D" or not kind:
                if pupil.class_name is None:
                    pupil.class_name = code
                elif pupil.class_name != code:
                    report.note(int(item["_line"]), Said("pupil_two_classes", eid=eid, kept=pupil.class_name,
                                                         other=code))


# -- apply (inside the import's unit of work) ----------------------------------------------------

def apply(session, site, pupils: list[Pupil], ctx: ImportContext, report: ImportReport) -> None:
    """Create or update each pupil through the store (feed items only for real changes)."""
    from plateau.domain.regimes import WEEK
    from plateau.server.imports.people import PersonIndex, save_people

    index = PersonIndex.load(session, site)
    items = []
    for p in pupils:
        person = index.by_external.get(p.eleve_id)
        by_ine = index.by_ine.get(p.ine) if p.ine else None
        if person is None:
            person = by_ine  # same pupil, new ELEVE_ID (left and came back): keep their cards and money
        elif by_ine is not None and by_ine is not person:
            report.error(p.line, Said("pupil_ine_elsewhere", eid=p.eleve_id, ine=p.ine,
                                      name=f"{by_ine.first_name} {by_ine.last_name}", ext=by_ine.external_id))
            continue
        days = p.forfait_days
        if days == "?":
            days = person.forfait_days if person is not None and person.plan == "forfait" and person.forfait_days \
                else WEEK
        desired = {"external_id": p.eleve_id, "last_name": p.last_name, "first_name": p.first_name,
                   "regime": p.regime, "plan": p.plan, "forfait_days": days if p.plan == "forfait" else None,
                   "status": p.status, "arrival_date": p.arrival_date, "leaving_date": p.leaving_date,
                   "no_class": p.class_name is None and not p.left}
        if p.ine:
            desired["ine"] = p.ine
        if p.class_name is not None or not p.left:
            desired["class_name"] = p.class_name  # a pupil who left keeps the class they were in
        if person is None:
            desired["category"] = "eleve"
        items.append((p.line, person, desired))
    _missing_pupils(index, items, ctx, report)
    save_people(session, site, index, items, report)


def _missing_pupils(index, items: list, ctx: ImportContext, report: ImportReport) -> None:
    """Pupils an earlier SIÈCLE import brought (they have a régime) that this file omits.

    After the summer's changeover, last year's leavers are simply absent from the export: with
    the `archive_missing` option they are archived (appended to `items`), otherwise they are
    listed. A file with under half of the known pupils looks like a partial export (one class):
    archiving from it is refused.
    """
    in_file = {desired["external_id"] for _line, _person, desired in items}
    in_file |= {person.external_id for _line, person, _desired in items if person is not None}
    known = [p for p in index.by_external.values() if p.regime is not None]
    missing = [p for p in known if p.external_id not in in_file and p.status == "active"]
    if not missing:
        return
    names = ", ".join(f"{p.first_name} {p.last_name} ({p.external_id})" for p in missing[:5])
    more = Said("and_more", n=len(missing) - 5).to_json() if len(missing) > 5 else ""
    if ctx.options.get("archive_missing", "").lower() not in ("1", "true", "yes"):
        report.note(None, Said("missing_stay_active", n=len(missing), names=names, more=more))
        return
    if len(missing) * 2 > len(known):
        report.error(None, Said("partial_export", n=len(missing), known=len(known)))
        return
    for person in missing:
        items.append((None, person, {"status": "archived"}))
    report.note(None, Said("missing_archived", n=len(missing), names=names, more=more))
