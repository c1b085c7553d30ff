"""SIÈCLE imports from hand-made files in every variant, into a real server database."""

from __future__ import annotations

from datetime import date
from types import SimpleNamespace

import pytest
from sqlalchemy import select

from plateau.server import models as m
from plateau.server.imports.report import ImportRejected

from .conftest import DATA, feed_length, run, table_counts


def persons(db) -> dict[str, SimpleNamespace]:
    """Plain copies of the persons (the read session expires its objects when it ends)."""
    cols = [c.name for c in m.Person.__table__.columns]
    with db.read() as s:
        return {p.external_id: SimpleNamespace(**{c: getattr(p, c) for c in cols})
                for p in s.execute(select(m.Person)).scalars()}


def test_iso_8859_15_export_creates_every_pupil_with_class_plan_and_status(server_db):
    report = run(server_db, "siecle", (DATA / "siecle_iso8859-15.xml").read_bytes())
    assert report.applied and (report.created, report.updated, report.unchanged) == (6, 0, 0)
    p = persons(server_db)
    zoe, leo, ines, hugo, anais, mael = (p[k] for k in ("4101", "4102", "4103", "4104", "4105", "4106"))
    assert (zoe.last_name, zoe.first_name, zoe.ine) == ("LEFÈVRE", "Zoé", "070803070AA")
    assert (zoe.class_name, zoe.plan, zoe.forfait_days, zoe.regime) == ("6A", "forfait", "mon,tue,thu,fri", "24")
    # NOM_USAGE wins over NOM_DE_FAMILLE; groups are not classes; last year's nested class is ignored
    assert (leo.last_name, leo.class_name, leo.plan) == ("MARTIN-ŒUVRARD", "5C", "ticket")
    assert (ines.plan, ines.forfait_days) == ("none", None)                       # externe
    assert (hugo.status, hugo.leaving_date) == ("archived", date(2026, 11, 13))   # left, class Inactifs
    assert anais.class_name is None and anais.no_class and anais.status == "active"
    assert (anais.plan, anais.forfait_days) == ("forfait", "mon,tue,wed,thu,fri")  # DP 2 jours: days unknown
    assert mael.ine is None and mael.plan == "forfait"                             # interne, no INE
    flagged = [n.line for n in report.notes if "no class yet" in n.message]
    assert flagged == [50]


def test_bom_utf8_export_with_a_stale_latin_declaration_reads_the_same(server_db):
    run(server_db, "siecle", (DATA / "siecle_iso8859-15.xml").read_bytes())
    before = feed_length(server_db)
    report = run(server_db, "siecle", (DATA / "siecle_bom_utf8.xml").read_bytes())
    assert report.applied and (report.created, report.updated, report.unchanged) == (0, 0, 6)
    assert feed_length(server_db) == before


def test_reimporting_the_same_file_changes_nothing_and_emits_nothing(server_db):
    data = (DATA / "siecle_iso8859-15.xml").read_bytes()
    run(server_db, "siecle", data)
    counts = table_counts(server_db)
    report = run(server_db, "siecle", data)
    assert (report.created, report.updated, report.unchanged) == (0, 0, 6)
    assert table_counts(server_db) == counts


def test_next_years_export_updates_moves_and_archives(server_db):
    run(server_db, "siecle", (DATA / "siecle_iso8859-15.xml").read_bytes())
    with server_db.write() as s:  # the office fixed Anaïs's two days by hand meanwhile
        s.execute(select(m.Person).where(m.Person.external_id == "4105")).scalar_one().forfait_days = "mon,thu"
    before = feed_length(server_db)
    report = run(server_db, "siecle", (DATA / "siecle_update.xml").read_bytes())
    assert report.applied and (report.created, report.updated, report.unchanged) == (1, 2, 4)
    p = persons(server_db)
    assert (p["4102"].class_name, p["4102"].plan, p["4102"].forfait_days) == ("4C", "forfait", "mon,tue,thu,fri")
    assert (p["4101"].status, p["4101"].class_name) == ("archived", "6A")   # left in October, class kept
    assert p["4105"].forfait_days == "mon,thu"                              # unknown days: kept
    assert p["4107"].first_name == "Jules"
    assert feed_length(server_db) == before + 3


def test_older_export_with_nom(server_db):
    report = run(server_db, "siecle", (DATA / "siecle_old_nom.xml").read_bytes())
    assert report.applied
    assert persons(server_db)["3001"].last_name == "BÉNARD"


@pytest.mark.parametrize("name, line, words", [
    ("siecle_bad_date.xml", 24, "31/02/2012"),
    ("siecle_duplicate.xml", 33, "appears twice"),
])
def test_one_bad_pupil_imports_nothing_and_names_its_line(server_db, name, line, words):
    before = table_counts(server_db)
    report = run(server_db, "siecle", (DATA / name).read_bytes())
    assert not report.applied
    assert [e.line for e in report.errors] == [line] and words in report.errors[0].message
    assert table_counts(server_db) == before


def test_malformed_xml_is_rejected_whole_with_line_and_column(server_db):
    before = table_counts(server_db)
    with pytest.raises(ImportRejected) as exc:
        run(server_db, "siecle", (DATA / "siecle_malformed.xml").read_bytes())
    assert (exc.value.line, exc.value.column) == (40, 9)
    assert "malformed" in str(exc.value)
    assert table_counts(server_db) == before


def test_regime_mapping_is_a_site_setting(server_db):
    from plateau.server import store

    with server_db.write() as s:
        store.set_settings(s, store.get_site(s, "0691234X"), {"regime_plans": "29=reservation;0=ticket"})
    run(server_db, "siecle", (DATA / "siecle_iso8859-15.xml").read_bytes())
    p = persons(server_db)
    assert (p["4102"].plan, p["4103"].plan) == ("reservation", "ticket")


def test_export_of_another_school_is_refused(server_db):
    data = (DATA / "siecle_iso8859-15.xml").read_bytes().replace(b"0691234X", b"0750001A")
    with pytest.raises(ImportRejected, match="0750001A"):
        run(server_db, "siecle", data)


def test_three_thousand_pupils_of_the_demo_school(server_db, demo_school):
    from plateau.server.imports.samples import demo_school_siecle

    report = run(server_db, "siecle", demo_school_siecle(demo_school))
    assert report.applied and report.created == 650
    again = run(server_db, "siecle", demo_school_siecle(demo_school))
    assert again.unchanged == 650


def _without_ines(data: bytes) -> bytes:
    start = data.index(b'<ELEVE ELEVE_ID="4103"')
    return data[:start] + data[data.index(b"</ELEVE>", start) + len(b"</ELEVE>"):]


def test_pupils_missing_from_next_export_are_listed_then_archived_on_request(server_db):
    data = (DATA / "siecle_iso8859-15.xml").read_bytes()
    run(server_db, "siecle", data)
    report = run(server_db, "siecle", _without_ines(data))
    assert report.applied and report.updated == 0
    assert any("1 pupil(s) imported earlier are not in this file" in n.message and "Inès NGUYEN" in n.message
               for n in report.notes)
    assert persons(server_db)["4103"].status == "active"
    report = run(server_db, "siecle", _without_ines(data), archive_missing="1")
    assert report.applied and report.updated == 1
    assert persons(server_db)["4103"].status == "archived"


def test_archiving_from_a_partial_export_is_refused(server_db):
    run(server_db, "siecle", (DATA / "siecle_iso8859-15.xml").read_bytes())
    before = table_counts(server_db)
    report = run(server_db, "siecle", (DATA / "siecle_old_nom.xml").read_bytes(), archive_missing="1")
    assert not report.applied and "partial export" in report.errors[0].message
    assert table_counts(server_db) == before
