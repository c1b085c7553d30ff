"""Imported files are read in the encoding their bytes show, never garbled in silence.

A persons CSV in ISO-8859-15 (Latin-9) keeps "Cœur", "€", "Ÿ", "Š", "Ž" (Windows-1252 would read
"C½ur", "¤", "¾", "¦", "´"); a SIÈCLE export that declares ISO-8859-15 but was saved as UTF-8 keeps
"LEFÈVRE" (not "LEFÃ\\x88VRE"); a genuine Latin-9 SIÈCLE file is read as Latin-9; a file whose
encoding cannot be told is refused whole. The report (API and CLI) says which encoding was used.
"""

from __future__ import annotations

import subprocess
import sys

import pytest

from plateau.server.imports.report import ImportRejected

from .conftest import DATA, SITE, persons, run, table_counts

NAMES = [("X-1", "CŒUR", "Cœur"), ("X-2", "EURO", "Léa€"), ("X-3", "YŸ", "Ÿvon"), ("X-4", "ŠIMEK", "Šárka"),
         ("X-5", "ŽELEZNÝ", "Žofie")]


def _persons_csv() -> str:
    lines = ["person;last_name;first_name;category;class;plan"]
    lines += [f"{ext};{last};{first};commensal;;ticket" for ext, last, first in NAMES]
    return "\n".join(lines) + "\n"


def test_a_latin9_persons_csv_keeps_oe_euro_and_the_latin9_capitals(server_db):
    data = _persons_csv().encode("iso-8859-15")
    assert b"\xbd" in data and b"\xa4" in data  # œ and € are Latin-9 bytes, not Windows-1252 ones
    report = run(server_db, "persons", data)
    assert report.applied, report.to_text()
    assert report.encoding == "ISO-8859-15" and report.to_json()["encoding"] == "ISO-8859-15"
    got = persons(server_db)
    assert [(got[ext].last_name, got[ext].first_name) for ext, _l, _f in NAMES] == \
        [(last, first) for _e, last, first in NAMES]


def test_a_siecle_export_declaring_latin9_but_saved_as_utf8_keeps_its_accents(server_db):
    text = (DATA / "siecle_iso8859-15.xml").read_bytes().decode("iso-8859-15")
    assert text.startswith('<?xml version="1.0" encoding="ISO-8859-15"?>')
    report = run(server_db, "siecle", text.encode("utf-8"))  # no BOM: only the bytes tell
    assert report.applied, report.to_text()
    assert report.encoding == "UTF-8"
    assert any("declares the encoding ISO-8859-15 but its bytes are UTF-8" in n.message for n in report.notes)
    names = {p.last_name for p in persons(server_db).values()}
    assert "LEFÈVRE" in names and not any("Ã" in n for n in names)


def test_a_genuine_latin9_siecle_export_is_read_as_latin9(server_db):
    report = run(server_db, "siecle", (DATA / "siecle_iso8859-15.xml").read_bytes())
    assert report.applied and report.encoding == "ISO-8859-15"
    assert not report.notes or all("encoding" not in n.message for n in report.notes)
    got = {(p.last_name, p.first_name) for p in persons(server_db).values()}
    assert {("LEFÈVRE", "Zoé"), ("PETIT", "Anaïs"), ("ROUX", "Maël")} <= got


def test_a_file_whose_encoding_cannot_be_told_is_refused_and_changes_nothing(server_db):
    before = table_counts(server_db)
    windows = "person;last_name;first_name;category;class;plan\nX-9;D’ARC;Chloé;commensal;;ticket\n".encode("cp1252")
    with pytest.raises(ImportRejected, match=r"neither UTF-8 nor plausible ISO-8859-15.*0x92.*CSV UTF-8") as exc:
        run(server_db, "persons", windows)
    assert exc.value.line == 2
    with pytest.raises(ImportRejected, match="not UTF-8 text"):
        run(server_db, "persons", b"\xef\xbb\xbfperson;last_name\nX;\xe9\n")
    assert table_counts(server_db) == before


def test_the_cli_report_names_the_encoding(tmp_path):
    from tests.support.server import admin

    url = str(tmp_path / "server.db")
    admin(url, "site", "add", SITE, "--name", "Collège", "--timezone", "Europe/Paris", "--zone", "Zone A")
    path = tmp_path / "persons.csv"
    path.write_bytes(_persons_csv().encode("iso-8859-15"))
    done = subprocess.run([sys.executable, "-m", "plateau.cli", "import", "persons", str(path), "--db", url],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "file read as ISO-8859-15" in done.stdout
