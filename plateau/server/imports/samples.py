"""Realistic SIÈCLE exports written from the demo school (for `plateau demo`, tests, benchmarks).

The layout follows a real `ElevesSansAdresses.xml` (BEE_ELEVES 3.x): PARAMETRES, DONNEES/
NOMENCLATURES, DONNEES/ELEVES/ELEVE, DONNEES/STRUCTURES/STRUCTURES_ELEVE, encoded ISO-8859-15.
"""

from __future__ import annotations

from datetime import date
from xml.sax.saxutils import escape, quoteattr


def _d(day: date | None) -> str:
    return day.strftime("%d/%m/%Y") if day else ""


def pupil_xml(eleve_id: str, last: str, first: str, *, ine: str | None = None, regime: str | None = "2",
              birth: date | None = date(2013, 5, 4), entry: date | None = date(2026, 9, 1),
              leaving: date | None = None, mef: str | None = "10010012110", tag_last: str = "NOM_DE_FAMILLE",
              usage: str | None = None, extra: str = "") -> str:
    parts = [f'<ELEVE ELEVE_ID={quoteattr(eleve_id)} ELENOET="{eleve_id[-5:]}">']
    if ine:
        parts.append(f"<ID_NATIONAL>{escape(ine)}</ID_NATIONAL>")
    parts.append(f"<{tag_last}>{escape(last)}</{tag_last}>")
    if usage:
        parts.append(f"<NOM_USAGE>{escape(usage)}</NOM_USAGE>")
    parts.append(f"<PRENOM>{escape(first)}</PRENOM>")
    if birth:
        parts.append(f"<DATE_NAISS>{_d(birth)}</DATE_NAISS>")
    if regime is not None:
        parts.append(f"<CODE_REGIME>{escape(regime)}</CODE_REGIME>")
    if entry:
        parts.append(f"<DATE_ENTREE>{_d(entry)}</DATE_ENTREE>")
    if leaving:
        parts.append(f"<DATE_SORTIE>{_d(leaving)}</DATE_SORTIE>")
    if mef:
        parts.append(f"<CODE_MEF>{mef}</CODE_MEF>")
    parts.append(extra)
    parts.append("</ELEVE>")
    return "\n".join(p for p in parts if p)


def structure_xml(eleve_id: str, class_name: str | None, groups: tuple[str, ...] = ()) -> str:
    items = []
    if class_name:
        items.append(f"<STRUCTURE><CODE_STRUCTURE>{escape(class_name)}</CODE_STRUCTURE>"
                     "<TYPE_STRUCTURE>D</TYPE_STRUCTURE></STRUCTURE>")
    for g in groups:
        items.append(f"<STRUCTURE><CODE_STRUCTURE>{escape(g)}</CODE_STRUCTURE>"
                     "<TYPE_STRUCTURE>G</TYPE_STRUCTURE></STRUCTURE>")
    return f'<STRUCTURES_ELEVE ELEVE_ID={quoteattr(eleve_id)}>\n' + "\n".join(items) + "\n</STRUCTURES_ELEVE>"


def bee_document(pupils: list[str], structures: list[str], *, uaj: str = "0691234X", year: str = "2026",
                 encoding: str = "ISO-8859-15") -> str:
    """The XML text (encode it with `encoding` before writing)."""
    return (f'<?xml version="1.0" encoding="{encoding}"?>\n'
            '<BEE_ELEVES VERSION="3.2">\n<PARAMETRES>\n'
            f"<UAJ>{uaj}</UAJ>\n<ANNEE_SCOLAIRE>{year}</ANNEE_SCOLAIRE>\n"
            "<DATE_EXPORT>01/09/2026</DATE_EXPORT>\n<HORODATAGE>01/09/2026 08:12:44</HORODATAGE>\n"
            "</PARAMETRES>\n<DONNEES>\n<NOMENCLATURES>\n<MEFS>\n"
            '<MEF CODE_MEF="10010012110"><FORMATION>6EME</FORMATION></MEF>\n</MEFS>\n</NOMENCLATURES>\n'
            "<ELEVES>\n" + "\n".join(pupils) + "\n</ELEVES>\n<STRUCTURES>\n" + "\n".join(structures)
            + "\n</STRUCTURES>\n</DONNEES>\n</BEE_ELEVES>\n")


def demo_school_siecle(school, *, uaj: str = "0691234X", encoding: str = "ISO-8859-15") -> bytes:
    """The demo school's pupils as the SIÈCLE export the school would have."""
    pupils, structures = [], []
    for pid, p in sorted(school.persons.items()):
        if not p.get("regime") and p["category"].startswith("commensal"):
            continue
        eid = p["external_id"]
        leaving = date.fromisoformat(p["leaving_date"]) if p.get("leaving_date") else None
        pupils.append(pupil_xml(eid, p["last_name"], p["first_name"], ine=f"{pid:09d}AB", regime=p["regime"],
                                leaving=leaving))
        structures.append(structure_xml(eid, p["class_name"], (f"LV2-{pid % 3}",)))
    return bee_document(pupils, structures, uaj=uaj, encoding=encoding).encode(encoding, "xmlcharrefreplace")
