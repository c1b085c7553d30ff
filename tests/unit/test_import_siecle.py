"""The SIÈCLE parser on in-memory exports: encodings, safety, structure traps."""

from __future__ import annotations

from datetime import date

import pytest

from plateau.server.imports.context import ImportContext
from plateau.server.imports.report import ImportRejected, ImportReport
from plateau.server.imports.samples import bee_document, pupil_xml, structure_xml
from plateau.server.imports.siecle import parse

CTX = ImportContext("0691234X", today=date(2026, 11, 23))


def parse_doc(pupils, structures=(), encoding="ISO-8859-15", ctx=CTX, **kw):
    data = bee_document(list(pupils), list(structures), encoding=encoding, **kw).encode(encoding)
    report = ImportReport("siecle")
    return parse(data, ctx, report), report


def test_iso_8859_15_characters_that_latin_1_lacks():
    (p,), _ = parse_doc([pupil_xml("1", "ŒUVRARD", "Zoë", regime="25")], [structure_xml("1", "6A")])
    assert (p.last_name, p.first_name, p.class_name) == ("ŒUVRARD", "Zoë", "6A")


def test_utf16_export_with_bom():
    text = bee_document([pupil_xml("1", "LÉGER", "Ève")], [structure_xml("1", "5B")], encoding="UTF-16")
    (p,) = parse(text.encode("utf-16"), CTX, ImportReport("siecle"))
    assert (p.last_name, p.first_name) == ("LÉGER", "Ève")


def test_dtd_and_entities_are_refused():
    evil = ('<?xml version="1.0"?>\n<!DOCTYPE BEE_ELEVES [<!ENTITY a "aaaaaaaaaa">'
            '<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;">]>\n<BEE_ELEVES>&b;</BEE_ELEVES>')
    with pytest.raises(ImportRejected, match="DTD"):
        parse(evil.encode(), CTX, ImportReport("siecle"))
    external = ('<?xml version="1.0"?>\n<!DOCTYPE x SYSTEM "file:///etc/passwd">\n<BEE_ELEVES/>')
    with pytest.raises(ImportRejected, match="DTD"):
        parse(external.encode(), CTX, ImportReport("siecle"))


def test_wrong_root_and_non_xml():
    with pytest.raises(ImportRejected, match="root is <BEE_NOMENCLATURES>"):
        parse(b'<?xml version="1.0"?><BEE_NOMENCLATURES/>', CTX, ImportReport("siecle"))
    with pytest.raises(ImportRejected, match="not an XML file"):
        parse(b"person;uid\n1;2\n", CTX, ImportReport("siecle"))
    with pytest.raises(ImportRejected, match="no pupil"):
        parse_doc([])


def test_unknown_declared_encoding():
    data = b'<?xml version="1.0" encoding="X-KLINGON"?>\n<BEE_ELEVES/>'
    with pytest.raises(ImportRejected):
        parse(data, CTX, ImportReport("siecle"))


def test_names_by_tag_variant():
    (a, b, c), _ = parse_doc([pupil_xml("1", "DUPONT", "Léa", usage="MARTIN"),
                              pupil_xml("2", "BLANC", "Tom", tag_last="NOM"),
                              pupil_xml("3", "ROY", "Lou")])
    assert (a.last_name, b.last_name, c.last_name) == ("MARTIN", "BLANC", "ROY")


def test_missing_names_are_errors_on_the_pupils_line():
    pupils, report = parse_doc([pupil_xml("1", "", "Léa"), pupil_xml("2", "ROY", "")])
    assert pupils == []
    assert [e.line for e in report.errors] == [16, 24]  # the <ELEVE> lines
    assert "no last name" in report.errors[0].message and "no first name" in report.errors[1].message


def test_left_pupils_and_future_leavers():
    pupils, _ = parse_doc([pupil_xml("1", "A", "a", leaving=date(2026, 11, 20)),
                           pupil_xml("2", "B", "b", leaving=date(2026, 12, 18)),
                           pupil_xml("3", "C", "c")],
                          [structure_xml("1", "6A"), structure_xml("2", "6A"), structure_xml("3", "INACTIFS")])
    assert [(p.status, p.leaving_date) for p in pupils] == [
        ("archived", date(2026, 11, 20)), ("active", date(2026, 12, 18)), ("archived", None)]


def test_groups_are_not_classes_and_two_classes_are_noted():
    st = ('<STRUCTURES_ELEVE ELEVE_ID="1"><STRUCTURE><CODE_STRUCTURE>G1</CODE_STRUCTURE>'
          '<TYPE_STRUCTURE>G</TYPE_STRUCTURE></STRUCTURE><STRUCTURE><CODE_STRUCTURE>6A</CODE_STRUCTURE>'
          '<TYPE_STRUCTURE>D</TYPE_STRUCTURE></STRUCTURE><STRUCTURE><CODE_STRUCTURE>6B</CODE_STRUCTURE>'
          '<TYPE_STRUCTURE>D</TYPE_STRUCTURE></STRUCTURE></STRUCTURES_ELEVE>')
    (p,), report = parse_doc([pupil_xml("1", "A", "a")], [st])
    assert (p.class_name, p.groups) == ("6A", ["G1"])
    assert "two classes" in report.notes[0].message


def test_regime_codes_and_unknown_ones():
    pupils, report = parse_doc([pupil_xml(str(i), "A", "a", regime=code)
                                for i, code in enumerate(["0", "1", "2", "24", "25", "29", "3", "39", "6", "47",
                                                          None])],
                               [structure_xml(str(i), "6A") for i in range(11)])
    plans = [(p.regime, p.plan, p.forfait_days) for p in pupils]
    assert plans == [("0", "none", None), ("1", "none", None), ("2", "forfait", "mon,tue,wed,thu,fri"),
                     ("24", "forfait", "mon,tue,thu,fri"), ("25", "forfait", "mon,tue,wed,thu,fri"),
                     ("29", "ticket", None), ("3", "forfait", "mon,tue,wed,thu,fri"),
                     ("39", "forfait", "mon,tue,wed,thu,fri,sat,sun"), ("6", "none", None),
                     ("47", "forfait", "mon,tue,wed,thu,fri"), (None, "none", None)]
    assert any("régime 47 is not in the mapping; read as 4" in n.message for n in report.notes)
    assert any("has no régime" in n.message for n in report.notes)


def test_non_numeric_regime_is_an_error():
    _, report = parse_doc([pupil_xml("1", "A", "a", regime="DP")])
    assert "régime code 'DP'" in report.errors[0].message


def test_same_ine_on_two_pupils_is_an_error():
    _, report = parse_doc([pupil_xml("1", "A", "a", ine="123456789AB"), pupil_xml("2", "B", "b", ine="123456789ab")])
    assert len(report.errors) == 1 and "also pupil 1" in report.errors[0].message


def test_bad_site_mapping_setting_refuses_the_import():
    ctx = ImportContext("0691234X", today=date(2026, 11, 23), settings={"regime_plans": "29=buffet"})
    with pytest.raises(ImportRejected, match="regime_plans"):
        parse_doc([pupil_xml("1", "A", "a")], ctx=ctx)
