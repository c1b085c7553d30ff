"""The same hand-built day on the central server: stations push their passages over HTTP to a
real `plateau server` process (SQLite file, real models); the server's headcount, its downloads
and `plateau report --db` must agree with the stations' replicas figure for figure."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
import requests

from plateau.reports.headcount import compute
from plateau.reports.replica_source import load_day
from tests.support.server import admin, running_server

from .scenario import DAY, SITE, reference_changes, wire_passages


@pytest.fixture(scope="module")
def server(day, tmp_path_factory):
    from plateau.server.db import Database, open_database
    from plateau.server.seed import seed_changes

    url = f"sqlite:///{tmp_path_factory.mktemp('server') / 'server.db'}"
    db = Database(open_database(url))
    with db.write() as s:
        seed_changes(s, reference_changes())
    db.engine.dispose()
    with running_server(url) as srv:
        tokens = {name: admin(url, "station", "add", SITE, name).strip().splitlines()[-1]
                  for name in ("self-1", "self-2")}
        for name, token in tokens.items():
            items = wire_passages(day.self1, name)
            r = requests.post(f"{srv.url}/api/v1/sync/passages", json={"passages": items},
                              headers={"Authorization": f"Bearer {token}"}, timeout=30)
            assert r.status_code == 200, r.text
            assert {x["status"] for x in r.json()["results"]} == {"stored"}, r.text
        srv.token = admin(url, "token", "add", "--admin").strip().splitlines()[-1]
        srv.db_url = url
        yield srv


@pytest.fixture(scope="module")
def station_json(day):
    with day.self1.connect() as conn:
        return compute(load_day(conn, DAY)).to_json()


def get(server, path, **params):
    r = requests.get(f"{server.url}/api/v1/sites/{SITE}{path}", params=params,
                     headers={"Authorization": f"Bearer {server.token}"}, timeout=30)
    assert r.status_code == 200, r.text
    return r


def test_server_headcount_agrees_with_the_stations(server, station_json):
    got = get(server, "/headcounts", date=DAY.isoformat()).json()
    assert got == station_json
    lunch = got["services"][0]
    assert (got["expected"], got["served"], got["no_shows"], got["unexpected"], got["overrides"], got["refusals"]) \
        == (7, 7, 3, 3, 1, 7)
    assert lunch["by_station"]["self-1"]["served"] == 3 and lunch["by_station"]["self-2"]["served"] == 4


def test_downloads(server, day, tmp_path):
    pdf = get(server, "/reports/daily", date=DAY.isoformat())
    assert pdf.headers["content-type"] == "application/pdf" and pdf.content.startswith(b"%PDF")
    assert f'effectifs-{SITE}-{DAY.isoformat()}.pdf' in pdf.headers["content-disposition"]
    (tmp_path / "d.pdf").write_bytes(pdf.content)
    text = subprocess.run(["pdftotext", str(tmp_path / "d.pdf"), "-"], capture_output=True, check=True,
                          timeout=60).stdout.decode()
    assert "Collège Lucie Aubrac" in text and "Page 3 / 3" in text
    no_shows = get(server, "/reports/no-shows", date=DAY.isoformat())
    assert no_shows.headers["content-type"].startswith("text/csv")
    assert no_shows.content.startswith(b"\xef\xbb\xbf")
    assert [line.split(";")[3] for line in no_shows.content.decode("utf-8-sig").splitlines()[1:]] == [
        "GIRARD", "ISAAC", "CLÉMENT"]
    forecast = get(server, "/reports/forecast", date=DAY.isoformat(), days=3).content.decode("utf-8-sig")
    assert forecast.splitlines()[1:] == ["2026-11-25;mercredi;dejeuner;Déjeuner;7;4;3;",
                                         "2026-11-26;jeudi;dejeuner;Déjeuner;0;0;0;Journée pédagogique",
                                         "2026-11-27;vendredi;dejeuner;Déjeuner;6;6;0;"]
    week = get(server, "/reports/week", date=DAY.isoformat(), format="json").json()
    assert (week["totals"]["dejeuner"]["expected"], week["totals"]["dejeuner"]["served"]) == (24, 7)
    r = requests.get(f"{server.url}/api/v1/sites/{SITE}/reports/forecast", params={"format": "pdf"},
                     headers={"Authorization": f"Bearer {server.token}"}, timeout=30)
    assert r.status_code == 422 and r.json()["error"] == "bad_format"
    r = requests.get(f"{server.url}/api/v1/sites/{SITE}/reports/daily", timeout=30)
    assert r.status_code == 401


def test_report_command_on_the_server_database(server, station_json):
    done = subprocess.run([sys.executable, "-m", "plateau.cli", "report", "daily", "--db", server.db_url,
                           "--date", DAY.isoformat(), "--format", "json", "-o", "-"],
                          capture_output=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == station_json
