"""`plateau admin` as installers run it: real processes, one-line errors, tokens shown once."""

from __future__ import annotations

import io
import os
import subprocess
import time

import pytest
import requests
from sqlalchemy import select

from plateau.server import models as m
from plateau.server.db import Database, open_database
from plateau.server.tokens import hash_token
from tests.support.server import plateau_cmd, running_server


def run(args, *, db=None, cwd=None, stdin=None, env=None):
    cmd = plateau_cmd("admin", *(["--db", db] if db else []), *args)
    return subprocess.run(cmd, capture_output=True, text=True, input=stdin, cwd=cwd, timeout=60,
                          env={**os.environ, **(env or {})})


@pytest.fixture
def db_url(tmp_path):
    # SQLite only here: each step is a process start; the API tests cover PostgreSQL
    return str(tmp_path / "admin.db")


def test_an_installer_sets_up_a_school_and_its_station_talks_to_the_server(db_url):
    steps = [
        ["site", "add", "0691234X", "--name", "Collège Jean Moulin", "--timezone", "Europe/Paris", "--zone", "Zone A"],
        ["site", "set", "0691234X", "overdraft_cents=300", "cutoff_mode=same_day", "cutoff_time=10:30",
         "category.commensal.overdraft_cents=0"],
        ["service", "add", "0691234X", "dejeuner", "--label", "Déjeuner", "--start", "11:15", "--end", "13:45",
         "--days", "mon,tue,thu,fri"],
        ["tariff", "add", "0691234X", "eleve", "--price-cents", "395"],
    ]
    for args in steps:
        done = run(args, db=db_url)
        assert done.returncode == 0, done.stderr
    station = run(["station", "add", "0691234X", "self-1"], db=db_url)
    assert station.returncode == 0, station.stderr
    token = station.stdout.strip().splitlines()[-1]
    admin = run(["token", "add", "--admin", "--label", "portal"], db=db_url).stdout.strip().splitlines()[-1]
    staff = run(["staff", "add", "0691234X", "Mme Martin", "--role", "manager", "--pin-stdin"], db=db_url,
                stdin="2468\n")
    assert staff.returncode == 0, staff.stderr
    db = Database(open_database(db_url))
    with db.read() as s:  # tokens are stored only as hashes
        assert s.execute(select(m.Station.token_hash)).scalar_one() == hash_token(token)
        assert token not in str(s.execute(select(m.Station.__table__)).all())
        assert s.execute(select(m.ApiToken.token_hash)).scalar_one() == hash_token(admin)
        assert s.execute(select(m.Staff.pin_hash)).scalar_one().startswith("scrypt")
    db.engine.dispose()
    with running_server(db_url) as srv:
        feed = requests.get(srv.url + "/api/v1/sync/changes?since=0",
                            headers={"Authorization": f"Bearer {token}"}, timeout=10).json()
        kinds = [c["kind"] for c in feed["changes"]]
        assert kinds.count("site") >= 1 and "service" in kinds and "tariff" in kinds and "staff" in kinds
        site = [c for c in feed["changes"] if c["kind"] == "site"][-1]["data"]
        assert site["settings"]["cutoff_time"] == "10:30"
        assert requests.get(srv.url + "/api/v1/sites/0691234X", timeout=10,
                            headers={"Authorization": f"Bearer {admin}"}).status_code == 200
        assert run(["station", "revoke", "0691234X", "self-1"], db=db_url).returncode == 0
        time.sleep(1.1)  # the server remembers a valid token for a second (auth.CACHE_SECONDS)
        r = requests.get(srv.url + "/api/v1/sync/changes?since=0", headers={"Authorization": f"Bearer {token}"},
                         timeout=10)
        assert r.status_code == 401


@pytest.mark.parametrize("args, stdin, message", [
    (["site", "set", "0691234X", "cutoff_mode=sometimes"], None, "cutoff_mode"),
    (["site", "set", "0691234X", "colour=blue"], None, "unknown setting"),
    (["site", "set", "0691234X", "overdraft_cents"], None, "KEY=VALUE"),
    (["site", "add", "12", "--name", "x"], None, "UAI"),
    (["site", "add", "0691234X", "--name", "again"], None, "already exists"),
    (["site", "add", "0690000A", "--name", "x", "--timezone", "Mars/Olympus"], None, "time zone"),
    (["service", "add", "0691234X", "dejeuner", "--label", "D", "--start", "13:00", "--end", "12:00"], None,
     "before it starts"),
    (["service", "add", "0699999Z", "dejeuner", "--label", "D", "--start", "11:00", "--end", "12:00"], None,
     "no site"),
    (["staff", "add", "0691234X", "A", "--role", "staff", "--pin-stdin"], "12\n", "PIN"),
    (["staff", "add", "0691234X", "A", "--role", "staff", "--pin-stdin"], "1234567890123\n", "4 to 12 digits"),
    (["staff", "add", "0691234X", "A", "--role", "staff", "--pin-stdin"], "12a4\n", "4 to 12 digits"),
    (["station", "add", "0691234X", "Self 1"], None, "station id"),
])
def test_bad_input_gives_one_line_and_no_traceback(one_site_db, capsys, monkeypatch, args, stdin, message):
    # in-process (the same `plateau` entry point, without paying a process start per case)
    from plateau.cli import main

    if stdin is not None:
        monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
    code = main(["admin", "--db", one_site_db, *args])
    err = capsys.readouterr().err
    assert code == 2, err
    assert "Traceback" not in err
    assert len(err.strip().splitlines()) == 1 and message in err, err


@pytest.fixture(scope="module")
def one_site_db(tmp_path_factory):
    from plateau.cli import main

    db = str(tmp_path_factory.mktemp("admin") / "bad.db")
    assert main(["admin", "--db", db, "site", "add", "0691234X", "--name", "X"]) == 0
    return db


def test_the_database_defaults_to_a_file_here_and_the_environment_overrides_it(tmp_path):
    assert run(["site", "add", "0691234X", "--name", "Here"], cwd=tmp_path).returncode == 0
    assert (tmp_path / "plateau-server.db").exists()
    other = tmp_path / "other.db"
    done = run(["site", "add", "0690001A", "--name", "There"], cwd=tmp_path, env={"PLATEAU_SERVER_DB": str(other)})
    assert done.returncode == 0 and other.exists()
    listed = run(["site", "list"], cwd=tmp_path, env={"PLATEAU_SERVER_DB": str(other)})
    assert listed.returncode == 0 and listed.stdout.startswith("0690001A\tThere")
    bad = run(["site", "list"], db="postgresql://nobody@127.0.0.1:1/none")
    assert bad.returncode == 2 and "cannot open the server database" in bad.stderr
    assert len(bad.stderr.strip().splitlines()) == 1


@pytest.mark.parametrize("args", [["site", "show", "0691234X"], ["site", "list"], ["station", "list", "0691234X"],
                                  ["token", "list"], ["staff", "list", "0691234X"], ["feed", "compact"],
                                  ["site", "set", "0691234X", "overdraft_cents=0"]])
def test_commands_on_a_missing_database_refuse_instead_of_creating_one(in_tmp, capsys, args):
    tmp_path = in_tmp
    from plateau.cli import main

    code = main(["admin", *args])  # no --db: the default file in the current directory
    err = capsys.readouterr().err
    assert code == 2 and "no server database at" in err and "plateau-server.db" in err, err
    assert len(err.strip().splitlines()) == 1
    missing = tmp_path / "typo.db"
    assert main(["admin", "--db", str(missing), *args]) == 2
    assert "--db" in capsys.readouterr().err
    assert not missing.exists() and not (tmp_path / "plateau-server.db").exists()


@pytest.fixture
def in_tmp(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("PLATEAU_SERVER_DB", raising=False)
    return tmp_path


def test_db_is_accepted_before_or_after_the_command(one_site_db, capsys, in_tmp):
    from plateau.cli import main

    assert main(["admin", "site", "show", "0691234X", "--db", one_site_db]) == 0
    after = capsys.readouterr().out
    assert main(["admin", "--db", one_site_db, "site", "show", "0691234X"]) == 0
    assert capsys.readouterr().out == after and after.startswith("site 0691234X")
    assert main(["admin", "staff", "list", "0691234X", "--db", one_site_db]) == 0
    assert not (in_tmp / "plateau-server.db").exists()


def test_report_and_import_refuse_a_missing_server_database(in_tmp, capsys):
    from plateau.cli import main

    assert main(["report", "daily", "--db", str(in_tmp / "none.db"), "--date", "2026-11-23", "-o", "-"]) == 2
    assert "no server database at" in capsys.readouterr().err
    (in_tmp / "cards.csv").write_text("person;uid\n1;04A1B2C3\n", encoding="utf-8")
    assert main(["import", "cards", str(in_tmp / "cards.csv"), "--db", str(in_tmp / "none.db")]) == 2
    assert "no server database at" in capsys.readouterr().err
    assert sorted(p.name for p in in_tmp.iterdir()) == ["cards.csv"]


def test_a_twelve_digit_pin_is_accepted_as_the_docs_say(one_site_db, capsys, monkeypatch):
    from plateau.cli import main
    from plateau.domain.pins import verify_pin

    monkeypatch.setattr("sys.stdin", io.StringIO("123456789012\n"))
    assert main(["admin", "--db", one_site_db, "staff", "add", "0691234X", "Long PIN", "--role", "staff",
                 "--pin-stdin"]) == 0, capsys.readouterr().err
    db = Database(open_database(one_site_db))
    with db.read() as s:
        stored = s.execute(select(m.Staff.pin_hash).where(m.Staff.name == "Long PIN")).scalar_one()
    db.engine.dispose()
    assert verify_pin("123456789012", stored)


def test_a_service_code_in_capitals_is_stored_in_lower_case(one_site_db, capsys):
    from plateau.cli import main

    assert main(["admin", "--db", one_site_db, "service", "add", "0691234X", "DEJ", "--label", "Déjeuner",
                 "--start", "11:15", "--end", "13:45"]) == 0, capsys.readouterr().err
    assert capsys.readouterr().out.startswith("service dej 11:15-13:45")
    assert main(["admin", "--db", one_site_db, "service", "add", "0691234X", "Dej", "--label", "Déjeuner",
                 "--start", "11:30", "--end", "13:45"]) == 0  # the same service, updated
    capsys.readouterr()
    main(["admin", "--db", one_site_db, "site", "show", "0691234X"])
    shown = [line for line in capsys.readouterr().out.splitlines() if line.strip().startswith("service ")]
    assert shown == ["  service dej 11:30-13:45 mon,tue,wed,thu,fri (Déjeuner)"]


def test_station_add_rotate_revoke_share_the_offices_code_and_are_audited_as_the_cli(db_url):
    # real processes on a real database: the same station_tokens functions as the office's Stations page
    assert run(["site", "add", "0691234X", "--name", "Collège"], db=db_url).returncode == 0
    added = run(["station", "add", "0691234X", "self-1"], db=db_url)
    assert added.returncode == 0, added.stderr
    rotated = run(["station", "rotate", "0691234X", "self-1"], db=db_url)
    assert rotated.returncode == 0, rotated.stderr
    assert rotated.stdout.strip().splitlines()[-1] != added.stdout.strip().splitlines()[-1]
    revoked = run(["station", "revoke", "0691234X", "self-1"], db=db_url)
    assert revoked.returncode == 0, revoked.stderr
    again = run(["station", "add", "0691234X", "self-1"], db=db_url)
    assert again.returncode == 2 and "already exists" in again.stderr and "Traceback" not in again.stderr
    missing = run(["station", "revoke", "0691234X", "self-9"], db=db_url)
    assert missing.returncode == 2 and "no station 'self-9'" in missing.stderr

    from plateau.server import audit

    db = Database(open_database(db_url))
    try:
        with db.read() as s:
            entries = list(reversed(audit.latest(s, target="station:self-1")))
            assert [(e.actor, e.action) for e in entries] == [
                ("cli", "station.add"), ("cli", "station.rotate"), ("cli", "station.revoke")]
            assert entries[1].before == {"station": "self-1", "revoked": False}
            assert entries[2].after == {"station": "self-1", "revoked": True}
            station = s.execute(select(m.Station)).scalar_one()
            assert station.revoked and station.token_hash == hash_token(rotated.stdout.strip().splitlines()[-1])
    finally:
        db.engine.dispose()
