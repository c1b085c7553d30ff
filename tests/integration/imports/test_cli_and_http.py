"""`plateau import` as a real process, and `POST /api/v1/admin/imports/{kind}` on a real
`plateau server` on loopback: the same imports, the same report, the same all-or-nothing."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys

import pytest
import requests

from tests.support.server import admin, running_server

from .conftest import DATA, SITE


def plateau(*args: str, stdin: bytes | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "plateau.cli", *args], input=stdin, capture_output=True,
                          timeout=120)


@pytest.fixture(scope="module")
def template_db(tmp_path_factory):
    """A server database set up once by `plateau admin`; each test gets its own copy."""
    url = str(tmp_path_factory.mktemp("template") / "server.db")
    admin(url, "site", "add", SITE, "--name", "Collège Jean Moulin", "--timezone", "Europe/Paris",
          "--zone", "Zone A")
    admin(url, "service", "add", SITE, "dejeuner", "--label", "Déjeuner", "--start", "11:15", "--end", "13:45")
    return url


@pytest.fixture
def db_url(tmp_path, template_db):
    for suffix in ("", "-wal"):  # no process has it open: the copy is consistent
        if os.path.exists(template_db + suffix):
            shutil.copy(template_db + suffix, str(tmp_path / "server.db") + suffix)
    return str(tmp_path / "server.db")


def test_cli_imports_prints_the_report_and_exits_0(db_url):
    done = plateau("import", "siecle", str(DATA / "siecle_iso8859-15.xml"), "--db", db_url, "--today", "2026-11-23")
    assert done.returncode == 0, done.stderr
    out = done.stdout.decode()
    assert out.splitlines()[0] == "siecle import done: 6 created, 0 updated, 0 unchanged"
    assert "note: line 50: pupil 4105 (Anaïs PETIT) has no class yet" in out
    again = plateau("import", "siecle", str(DATA / "siecle_iso8859-15.xml"), "--db", db_url, "--site", SITE,
                    "--today", "2026-11-23", "--json")
    assert json.loads(again.stdout)["unchanged"] == 6


def test_cli_bad_line_exits_2_with_the_line(db_url):
    plateau("import", "siecle", str(DATA / "siecle_iso8859-15.xml"), "--db", db_url)
    done = plateau("import", "payments", str(DATA / "payments_bad_line.csv"), "--db", db_url)
    assert done.returncode == 2
    err = done.stderr.decode()
    assert "payments import refused: 2 error(s) (line 2, 3); nothing was changed" in err
    assert "line 3: amount '1.234,00' is not an amount in euros" in err


@pytest.mark.parametrize("args, words", [
    (("siecle", "/nonexistent/eleves.xml"), "No such file"),
    (("siecle", str(DATA / "siecle_malformed.xml")), "the XML is malformed (mismatched tag); export the file "
                                                      "again from SIÈCLE (line 40, column 9)"),
    (("cards", str(DATA / "siecle_iso8859-15.xml")), "this is an XML or HTML file, not a CSV cards file"),
    (("cards", str(DATA / "cards.csv"), "--format", "octal"), "unknown UID format 'octal'"),
    (("persons", str(DATA / "persons.csv"), "--site", "0750001A"), "no site '0750001A'"),
])
def test_cli_refusals_are_one_line_without_traceback(db_url, args, words):
    done = plateau("import", *args, "--db", db_url)
    err = done.stderr.decode()
    assert done.returncode == 2 and words in err, err
    assert "Traceback" not in err and len(err.strip().splitlines()) == 1


def test_cli_reads_standard_input(db_url):
    done = plateau("import", "persons", "-", "--db", db_url, stdin=(DATA / "persons.csv").read_bytes())
    assert done.returncode == 0 and b"4 created" in done.stdout


def test_http_import_answers_the_report_all_or_nothing(db_url):
    with running_server(db_url) as srv:
        token = srv.admin("token", "add", "--admin").strip().splitlines()[-1]
        station = srv.admin("station", "add", SITE, "self-1").strip().splitlines()[-1]
        url = f"{srv.url}/api/v1/admin/imports"
        auth = {"Authorization": f"Bearer {token}"}
        r = requests.post(f"{url}/siecle", params={"site": SITE}, headers=auth, timeout=30,
                          data=(DATA / "siecle_iso8859-15.xml").read_bytes())
        assert r.status_code == 200, r.text
        body = r.json()
        assert (body["applied"], body["created"], body["updated"], body["unchanged"]) == (True, 6, 0, 0)
        # the stations of the site see the pupils in their feed
        feed = requests.get(f"{srv.url}/api/v1/sync/changes", params={"since": 0, "limit": 500},
                            headers={"Authorization": f"Bearer {station}"}, timeout=30).json()
        assert sum(1 for c in feed["changes"] if c["kind"] == "person") == 6

        r = requests.post(f"{url}/payments", params={"site": SITE}, headers=auth, timeout=30,
                          data=(DATA / "payments_bad_line.csv").read_bytes())
        assert r.status_code == 422
        body = r.json()
        assert body["error"] == "import_failed" and not body["report"]["applied"]
        assert [e["line"] for e in body["report"]["errors"]] == [2, 3]

        r = requests.post(f"{url}/cards", params={"site": SITE}, headers=auth, data=b"\x00\x01\x02" * 100,
                          timeout=30)
        assert r.status_code == 400 and r.json() == {"error": "rejected_file",
                                                     "reason": "this is not a text file"}
        r = requests.post(f"{url}/cards", params={"site": SITE}, data=b"person;uid\n", timeout=30,
                          headers={"Authorization": f"Bearer {station}"})
        assert r.status_code == 403
        r = requests.post(f"{url}/teachers", params={"site": SITE}, headers=auth, data=b"x", timeout=30)
        assert r.status_code == 422 and r.json()["error"] == "invalid_request"
        r = requests.post(f"{url}/cards", params={"site": "0750001A"}, headers=auth, data=b"person;uid\n",
                          timeout=30)
        assert r.status_code == 404
        r = requests.post(f"{url}/siecle", params={"site": SITE}, headers=auth, timeout=60,
                          data=b"<" + b"x" * (100 * 1024 * 1024))
        assert r.status_code == 413 and r.json()["error"] == "request_too_large"
        assert requests.get(f"{srv.url}/api/v1/health", timeout=10).status_code == 200


def _big_siecle(size: int) -> bytes:
    """A SIÈCLE-shaped export of about `size` bytes (pupils with long address-like blocks, as the
    exports with addresses have), valid for the importer."""
    from plateau.server.imports.samples import bee_document, pupil_xml, structure_xml

    padding = "<ADRESSE><LIGNE1_ADRESSE>" + "12 rue des Lilas, " * 500 + "</LIGNE1_ADRESSE></ADRESSE>"
    n = size // (len(padding) + 400) + 1
    pupils = [pupil_xml(f"{1000000 + i}", f"NOM{i}", f"Prénom{i}", ine=f"{i:09d}AB", extra=padding)
              for i in range(n)]
    structures = [structure_xml(f"{1000000 + i}", "6A") for i in range(n)]
    return bee_document(pupils, structures, uaj=SITE).encode("ISO-8859-15", "xmlcharrefreplace")


def test_http_siecle_import_takes_a_20_mb_export_but_other_routes_keep_8_mb(db_url):
    data = _big_siecle(20 * 1024 * 1024)
    assert len(data) > 20 * 1024 * 1024
    with running_server(db_url) as srv:
        token = srv.admin("token", "add", "--admin").strip().splitlines()[-1]
        auth = {"Authorization": f"Bearer {token}"}
        r = requests.post(f"{srv.url}/api/v1/admin/imports/siecle", params={"site": SITE}, headers=auth,
                          data=data, timeout=300)
        assert r.status_code in (200, 422), r.text[:500]
        body = r.json()
        report = body if r.status_code == 200 else body["report"]
        assert report["records"] > 0 and report["kind"] == "siecle"
        # streamed without a declared length: the route's own per-kind limit still holds
        over = b"<" + b"x" * (65 * 1024 * 1024)
        chunks = (over[i:i + 1024 * 1024] for i in range(0, len(over), 1024 * 1024))
        r = requests.post(f"{srv.url}/api/v1/admin/imports/siecle", params={"site": SITE}, headers=auth,
                          data=chunks, timeout=120)
        assert r.status_code == 413 and r.json()["error"] == "request_too_large"
        # a calendar import has a lower limit of its own (16 MB)
        r = requests.post(f"{srv.url}/api/v1/admin/imports/calendar", params={"site": SITE}, headers=auth,
                          data=b"x" * (17 * 1024 * 1024), timeout=120)
        assert r.status_code == 413
        # any other route keeps the global 8 MiB limit
        r = requests.put(f"{srv.url}/api/v1/admin/imports/siecle", headers=auth, data=b"x" * (9 * 1024 * 1024),
                         timeout=60)
        assert r.status_code == 413
        r = requests.post(f"{srv.url}/api/v1/sync/passages", headers=auth, data=b"x" * (9 * 1024 * 1024),
                          timeout=60)
        assert r.status_code == 413
        assert requests.get(f"{srv.url}/api/v1/health", timeout=10).status_code == 200
