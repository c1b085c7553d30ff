"""Guardians: the CSV kind and SIÈCLE's responsables export (latin-9), re-imports, guardians
who disappear from a later file, into a real server database."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from plateau.server import family_models as fm

from plateau.server import models as m
from plateau.server.imports.report import ImportRejected

from .conftest import DATA, run, table_counts


@pytest.fixture
def pupils(server_db):
    report = run(server_db, "siecle", (DATA / "siecle_iso8859-15.xml").read_bytes())
    assert report.applied
    return server_db


def guardians(db) -> dict[str, tuple]:
    """{external id: (last, first, email, active, {pupil external id: (legal, financial)})}."""
    with db.read() as s:
        out = {}
        for g in s.execute(select(fm.Guardian)).scalars():
            links = {p.external_id: (link.legal, link.financial) for link, p in s.execute(
                select(fm.GuardianLink, m.Person).join(m.Person, m.Person.id == fm.GuardianLink.person_id)
                .where(fm.GuardianLink.guardian_id == g.id))}
            out[g.external_id] = (g.last_name, g.first_name, g.email, g.active, links)
        return out


def test_siecle_responsables_in_latin_9_link_guardians_to_their_pupils(pupils):
    report = run(pupils, "siecle", (DATA / "siecle_responsables_iso8859-15.xml").read_bytes())
    assert report.applied, report.to_text()
    assert (report.created, report.updated, report.unchanged) == (3, 0, 0)
    g = guardians(pupils)
    # Œ, Š and Ž exist in ISO-8859-15 only (not in latin-1): the declared encoding is honoured
    assert g["9001"] == ("LEFÈVRE-ŒUVRARD", "Hélène", "helene.lefevre@example.org", True,
                         {"4101": (True, True), "4102": (True, True)})      # one guardian, two children
    assert g["9002"][1:] == ("Šimon", "simon.lefevre@example.org", True, {"4101": (True, False)})  # COURRIEL
    assert g["9003"][:3] == ("NGUYEN", "Žoran", None)                        # no e-mail: a printed letter
    assert "9004" not in g                                                   # a contact, not a guardian


def test_the_pupils_export_is_still_read_as_pupils(pupils):
    report = run(pupils, "siecle", (DATA / "siecle_iso8859-15.xml").read_bytes())
    assert report.applied and report.unchanged == 6 and not guardians(pupils)


def test_csv_guardians_with_two_children_and_two_guardians_of_one_child(pupils):
    report = run(pupils, "guardians", (DATA / "guardians.csv").read_bytes())
    assert report.applied, report.to_text()
    g = guardians(pupils)
    assert g["G-1"][4] == {"4101": (True, True), "4102": (True, True)}
    assert g["G-2"][4] == {"4101": (True, False)}                            # financial 0: may not pay
    assert g["G-3"][2] is None and g["G-3"][4] == {"4103": (True, True)}     # named by INE


def test_reimport_updates_and_a_guardian_absent_loses_access_but_nothing_is_deleted(pupils):
    run(pupils, "guardians", (DATA / "guardians.csv").read_bytes())
    before = table_counts(pupils)
    again = run(pupils, "guardians", (DATA / "guardians.csv").read_bytes())
    assert (again.created, again.updated, again.unchanged) == (0, 0, 3)
    later = ("guardian;email;last_name;first_name;person;financial\n"
             "G-1;new.address@example.org;LEFÈVRE;Hélène;4101;1\n"
             "G-3;;NGUYEN;Zoran;4103;1\n")
    report = run(pupils, "guardians", later)
    assert report.applied and (report.created, report.updated, report.unchanged) == (0, 1, 1)
    assert any("lost access" in n.message and "G-2" in n.message for n in report.notes)
    g = guardians(pupils)
    assert g["G-1"][2:] == ("new.address@example.org", True, {"4101": (True, True)})   # custody of 4102 gone
    assert g["G-2"][3] is False and g["G-2"][4] == {"4101": (True, False)}              # kept, without access
    assert table_counts(pupils) == before                                               # persons, money: untouched
    back = run(pupils, "guardians", (DATA / "guardians.csv").read_bytes())
    assert back.applied and guardians(pupils)["G-2"][3] is True


def test_a_bad_line_refuses_the_whole_file_with_each_line(pupils):
    bad = ("guardian;email;last_name;first_name;person;financial\n"
           "G-1;helene@example.org;LEFÈVRE;Hélène;4101;1\n"
           "G-2;not-an-address;LEFÈVRE;Simon;4101;0\n"
           "G-3;;NGUYEN;Zoran;9999;1\n"
           "G-4;;DOE;Jo;4104;maybe\n")
    report = run(pupils, "guardians", bad)
    assert not report.applied
    assert [e.line for e in report.errors] == [3, 4, 5]
    assert "not an e-mail" in report.errors[0].message and "no pupil '9999'" in report.errors[1].message
    assert guardians(pupils) == {}


def test_a_guardians_file_for_another_school_is_refused(pupils):
    data = (DATA / "siecle_responsables_iso8859-15.xml").read_bytes().replace(b"0691234X", b"0330000A")
    with pytest.raises(ImportRejected, match="0330000A"):
        run(pupils, "siecle", data)
