"""Every kind: an empty file, a binary file, a file of the wrong kind, a 100 MB file, and the
ICS defects: a clear error or report, nothing changed, no crash."""

from __future__ import annotations

import os

import pytest

from plateau.server.imports.report import ImportRejected
from plateau.server.imports.runner import KINDS
from plateau.server.imports.source import read_file

from .conftest import DATA, run, table_counts

WRONG_KIND = {  # a real file of another kind, for each kind
    "siecle": "persons.csv", "calendar": "cards.csv", "persons": "siecle_iso8859-15.xml",
    "cards": "payments.csv", "payments": "calendar_defects.ics", "oppositions": "cards.csv",
    "reservations": "persons.csv", "guardians": "siecle_responsables_iso8859-15.xml",
}


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("content, words", [
    (b"", "empty"), (b"\r\n\r\n  \n", "empty"), (b"\xef\xbb\xbf", "empty"),
    (bytes(range(256)) * 64, "not a text file"),
    (b"PK\x03\x04" + os.urandom(2000), "spreadsheet or a zip"),
    (b"%PDF-1.7\n" + os.urandom(2000), "PDF"),
], ids=["nothing", "blank lines", "a BOM alone", "binary", "zip", "pdf"])  # stable names: random bytes inside
def test_empty_and_binary_files_are_refused_clearly(server_db, kind, content, words):
    before = table_counts(server_db)
    with pytest.raises(ImportRejected, match=words):
        run(server_db, kind, content)
    assert table_counts(server_db) == before


@pytest.mark.parametrize("kind", KINDS)
def test_a_file_of_another_kind_is_refused_saying_so(server_db, kind):
    before = table_counts(server_db)
    with pytest.raises(ImportRejected) as exc:
        run(server_db, kind, (DATA / WRONG_KIND[kind]).read_bytes())
    text = str(exc.value)
    assert any(w in text for w in ("not a SIÈCLE", "does not look like", "not an XML", "not the official",
                                   "not a CSV", "not an ICS", "XML or HTML")), text
    assert table_counts(server_db) == before


@pytest.mark.parametrize("kind", KINDS)
def test_a_100_mb_file_is_refused_without_being_loaded(tmp_path, kind):
    big = tmp_path / "big.csv"
    with big.open("wb") as f:  # sparse on most file systems: the test writes no 100 MB
        f.truncate(100 * 1024 * 1024)
    with pytest.raises(ImportRejected, match="too large"):
        read_file(big, kind)


def test_a_large_stream_stops_at_the_limit():
    from plateau.server.imports.source import max_bytes, read_limited

    class Endless:
        served = 0

        def read(self, n):
            self.served += n
            return b"x" * n

    stream = Endless()
    with pytest.raises(ImportRejected, match="too large"):
        read_limited(stream, "cards")
    assert stream.served <= max_bytes("cards") + 1024 * 1024


def test_ics_defects_import_what_is_sound_and_report_the_rest(server_db):
    report = run(server_db, "calendar", (DATA / "calendar_defects.ics").read_bytes())
    assert report.applied and report.created == 4, report.to_text()
    notes = {n.line: n.message for n in report.notes}
    assert "duplicate of line 5" in notes[14]
    assert "repaired as 'Vacances de Noël'" in notes[21]
    assert "empty end (DTEND): skipped" in notes[31]
    assert "before it starts" in notes[35]
    assert "single closed day: 2027-05-07" in notes[42]
    assert "Vacances d'Été" in notes[49]
    from sqlalchemy import select

    from plateau.server import models as m
    with server_db.read() as s:
        closures = sorted((c.first_day.isoformat(), c.last_day.isoformat(), c.label)
                          for c in s.execute(select(m.Closure)).scalars())
    assert closures == [("2026-10-17", "2026-11-01", "Vacances de la Toussaint"),
                        ("2026-12-19", "2027-01-03", "Vacances de Noël"),
                        ("2027-05-07", "2027-05-07", "Pont de l'Ascension"),
                        ("2027-07-03", "2027-08-30", "Vacances d'Été")]
    assert run(server_db, "calendar", (DATA / "calendar_defects.ics").read_bytes()).unchanged == 4


def test_ics_with_an_unreadable_date_imports_nothing(server_db):
    before = table_counts(server_db)
    report = run(server_db, "calendar", (DATA / "calendar_bad_date.ics").read_bytes())
    assert not report.applied and [e.line for e in report.errors] == [23]
    assert table_counts(server_db) == before


def test_calendar_csv_with_an_unreadable_date_imports_nothing(server_db):
    text = ("description;population;start_date;end_date;location;zones;annee_scolaire\n"
            "Vacances de Noël;-;2026-12-18T23:00:00+00:00;2027-01-03T23:00:00+00:00;Lyon;Zone A;2026-2027\n"
            "Vacances d'Hiver;-;2027-02-1ZT23:00:00+00:00;2027-02-28T23:00:00+00:00;Lyon;Zone A;2026-2027\n")
    report = run(server_db, "calendar", text)
    assert not report.applied and [e.line for e in report.errors] == [3]


def test_a_moved_period_replaces_the_old_closure_and_a_skipped_one_keeps_it(server_db):
    from sqlalchemy import select

    from plateau.server import models as m

    run(server_db, "calendar", (DATA / "calendar_defects.ics").read_bytes())
    moved = (DATA / "calendar_defects.ics").read_bytes().replace(b"DTEND;VALUE=DATE:20270104",
                                                                  b"DTEND;VALUE=DATE:20270105", 1)
    # and this time the Toussaint events have an empty end: skipped, their closure must stay
    moved = moved.replace(b"DTEND;VALUE=DATE:20261102", b"DTEND;VALUE=DATE:")  # both Toussaint events
    report = run(server_db, "calendar", moved)
    assert report.applied and any("no longer in the official calendar" in n.message for n in report.notes)
    with server_db.read() as s:
        got = sorted((c.first_day.isoformat(), c.last_day.isoformat()) for c in s.execute(select(m.Closure)).scalars())
    assert ("2026-12-19", "2027-01-04") in got and ("2026-12-19", "2027-01-03") not in got
    assert ("2026-10-17", "2026-11-01") in got
