"""`plateau check` and `plateau pass` as real processes, with a real config file and replica.

Exit status: 0 accepted, 1 refused, 2 bad input (one line on stderr, never a traceback).
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

PLATEAU = str(Path(sys.executable).with_name("plateau"))
AT = "2026-11-23T12:03:00+01:00"
PROTOCOL_FIELDS = ("accepted", "reason", "message", "person", "service", "price_cents", "balance_after_cents",
                   "warnings")


def config_text(db: Path, **extra: str) -> str:
    lines = ['[station]', 'id = "self-1"', 'site = "0691234X"', '[db]', f'path = "{db}"', '[reader]',
             'kind = "keyboard"']
    return "\n".join(lines + [f"{k} = {v}" for k, v in extra.items()]) + "\n"


@pytest.fixture(scope="module")
def seeded(tmp_path_factory, demo_school):
    """A seeded, checkpointed replica file that tests copy before writing to it."""
    from plateau.db.engine import open_replica
    from plateau.demo.school import seed_replica

    path = tmp_path_factory.mktemp("replica") / "station.db"
    engine = open_replica(path)
    seed_replica(engine, demo_school)
    with engine.connect() as conn:
        conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    engine.dispose()
    return path


@pytest.fixture
def station(tmp_path, seeded):
    """A station folder: its own copy of the replica and a config file pointing at it."""
    db = tmp_path / "station.db"
    shutil.copy(seeded, db)
    cfg = tmp_path / "station.toml"
    cfg.write_text(config_text(db), encoding="utf-8")
    return cfg, db


def plateau(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("PLATEAU_")}
    clean.update(env or {})
    return subprocess.run([PLATEAU, *args], capture_output=True, text=True, timeout=60, env=clean)


def passages(db: Path) -> int:
    con = sqlite3.connect(db)
    try:
        return con.execute("SELECT COUNT(*) FROM passage").fetchone()[0]
    finally:
        con.close()


def forfait_uid(school) -> str:
    pid = next(p for p, d in school.persons.items()
               if d["plan"] == "forfait" and p in school.cards and p not in school.absent_today
               and d["leaving_date"] is None and p != 8)
    return school.cards[pid]


def ticket(school) -> tuple[str, int]:
    money = {d["person_id"]: d["balance_cents"] for d in school.of_kind("balance")}
    pid = next(p for p, d in school.persons.items() if d["plan"] == "ticket" and d["category"] == "eleve-ticket"
               and money.get(p, 0) >= 2000 and p in school.cards)
    return school.cards[pid], money[pid]


# -- the happy paths -----------------------------------------------------------------------------

def test_check_json_has_every_protocol_field_and_records_nothing(station, demo_school):
    cfg, db = station
    uid, balance = ticket(demo_school)
    r = plateau("check", uid, "--at", AT, "--json", "--config", str(cfg))
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)
    assert set(PROTOCOL_FIELDS) <= set(out)
    assert out["accepted"] is True and out["reason"] == "ok" and out["service"] == "dejeuner"
    assert out["price_cents"] == 420 and out["balance_after_cents"] == balance - 420
    assert isinstance(out["warnings"], list) and out["person"]["first_name"]
    assert out["message"].startswith("Bon appétit, ")
    assert "passage_id" not in out and passages(db) == 0


def test_check_refusal_exits_1_with_the_reason(station):
    cfg, _db = station
    r = plateau("check", "DEADBEEF", "--at", AT, "--json", "--config", str(cfg))
    assert r.returncode == 1 and r.stderr == ""
    out = json.loads(r.stdout)
    assert (out["accepted"], out["reason"], out["person"], out["message"]) == (False, "unknown_card", None,
                                                                              "Badge inconnu")
    assert set(PROTOCOL_FIELDS) <= set(out)


def test_pass_records_and_a_second_pass_is_already_served(station, demo_school):
    cfg, db = station
    uid = forfait_uid(demo_school)
    first = plateau("pass", uid, "--at", AT, "--json", "--config", str(cfg))
    assert first.returncode == 0, first.stderr
    assert json.loads(first.stdout)["passage_id"]
    second = plateau("pass", uid, "--at", "2026-11-23T12:09", "--json", "--config", str(cfg))
    assert second.returncode == 1
    out = json.loads(second.stdout)
    assert out["reason"] == "already_served" and out["message"] == "Déjà passé à 12:03 (self-1)"
    assert passages(db) == 2
    # `check` sees the recorded passage too
    assert plateau("check", uid, "--at", "2026-11-23T12:10", "--config", str(cfg)).returncode == 1


def test_text_output_and_english(station, demo_school):
    cfg, _db = station
    r = plateau("check", forfait_uid(demo_school), "--at", AT, "--lang", "en", "--config", str(cfg))
    assert r.returncode == 0 and r.stdout.startswith("ACCEPTED ok: Enjoy your meal, ")
    r = plateau("check", "DEADBEEF", "--at", "2026-11-23T10:00", "--lang", "en", "--config", str(cfg))
    assert r.returncode == 1 and r.stdout.startswith("REFUSED unknown_card: Unknown badge")


def test_uid_spelling_option_and_environment_override(station, demo_school):
    cfg, _db = station
    uid = forfait_uid(demo_school)
    decimal = str(int(uid, 16))
    assert plateau("check", decimal, "--format", "decimal", "--at", AT, "--config", str(cfg)).returncode == 0
    r = plateau("check", decimal, "--at", AT, env={"PLATEAU_CONFIG": str(cfg), "PLATEAU_READER_UID_FORMAT": "decimal"})
    assert r.returncode == 0, r.stderr


def test_help_documents_the_exit_codes():
    for command in ("check", "pass"):
        r = plateau(command, "--help")
        assert r.returncode == 0
        assert "0  accepted" in r.stdout and "1  refused" in r.stdout and "2  bad input" in r.stdout


# -- bad input: exit 2, one clear line, no traceback ---------------------------------------------

def assert_one_line_error(r: subprocess.CompletedProcess, *needles: str) -> None:
    assert r.returncode == 2, (r.returncode, r.stdout, r.stderr)
    assert "Traceback" not in r.stderr and r.stdout == ""
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1, r.stderr
    for needle in needles:
        assert needle in lines[0], lines[0]


def test_unknown_option(station):
    cfg, _db = station
    assert_one_line_error(plateau("check", "DEADBEEF", "--colour", "red", "--config", str(cfg)),
                          "unrecognized arguments: --colour")


def test_missing_uid():
    assert_one_line_error(plateau("check"), "uid")


def test_unknown_uid_format(station):
    cfg, _db = station
    assert_one_line_error(plateau("check", "1234", "--format", "base64", "--config", str(cfg)), "invalid choice")


@pytest.mark.parametrize("uid,needle", [("XYZ", "not a hexadecimal UID"), ("ABC", "odd number"),
                                        ("01", "3 to 10 bytes"), ("", "not a hexadecimal UID")])
def test_malformed_uid(station, uid, needle):
    cfg, _db = station
    assert_one_line_error(plateau("check", uid, "--config", str(cfg)), needle)


def test_malformed_decimal_uid(station):
    cfg, _db = station
    assert_one_line_error(plateau("check", "12AB", "--format", "decimal", "--config", str(cfg)),
                          "not a decimal UID")


@pytest.mark.parametrize("at", ["tomorrow", "2026-11-23T25:00", "23/11/2026 12:00", ""])
def test_unparseable_at(station, at):
    cfg, db = station
    assert_one_line_error(plateau("pass", "DEADBEEF", "--at", at, "--config", str(cfg)), "--at")
    assert passages(db) == 0


def test_missing_config(tmp_path):
    assert_one_line_error(plateau("check", "DEADBEEF", "--config", str(tmp_path / "nope.toml")),
                          "configuration file not found", "nope.toml")


def test_default_config_path_from_the_environment(tmp_path):
    assert_one_line_error(plateau("check", "DEADBEEF", env={"PLATEAU_CONFIG": str(tmp_path / "env.toml")}),
                          "env.toml")


def test_config_is_a_folder(tmp_path):
    assert_one_line_error(plateau("check", "DEADBEEF", "--config", str(tmp_path)), "cannot read")


def test_missing_database(tmp_path):
    cfg = tmp_path / "station.toml"
    cfg.write_text(config_text(tmp_path / "absent.db"), encoding="utf-8")
    assert_one_line_error(plateau("check", "DEADBEEF", "--config", str(cfg)), "no station database", "absent.db")
    assert not (tmp_path / "absent.db").exists()


def test_corrupt_database(station):
    cfg, db = station
    db.write_bytes(b"\x00garbage" * 1000)
    assert_one_line_error(plateau("check", "DEADBEEF", "--config", str(cfg)), "not a readable SQLite file")


def test_damaged_database_pages(station):
    cfg, db = station
    con = sqlite3.connect(db)
    page = con.execute("PRAGMA page_size").fetchone()[0]
    root = con.execute("SELECT rootpage FROM sqlite_master WHERE name = 'card'").fetchone()[0]
    con.close()
    with open(db, "r+b") as f:
        f.seek((root - 1) * page)
        f.write(b"\xee" * page)
    assert_one_line_error(plateau("pass", "DEADBEEF", "--at", AT, "--config", str(cfg)), str(db))


def test_database_without_site_data(tmp_path):
    from plateau.db.engine import open_replica

    db = tmp_path / "empty.db"
    open_replica(db).dispose()
    cfg = tmp_path / "station.toml"
    cfg.write_text(config_text(db), encoding="utf-8")
    assert_one_line_error(plateau("check", "DEADBEEF", "--config", str(cfg)), "plateau sync --once")


def test_bad_config_key(station):
    cfg, db = station
    cfg.write_text(config_text(db) + 'colour = "red"\n', encoding="utf-8")
    assert_one_line_error(plateau("check", "DEADBEEF", "--config", str(cfg)), "unknown key 'colour'", "[reader]")


def test_bad_config_section(station):
    cfg, db = station
    cfg.write_text(config_text(db) + '[printer]\nname = "x"\n', encoding="utf-8")
    assert_one_line_error(plateau("check", "DEADBEEF", "--config", str(cfg)), "unknown section [printer]")


def test_bad_config_value(station):
    cfg, db = station
    cfg.write_text(config_text(db).replace('kind = "keyboard"', 'kind = "laser"'), encoding="utf-8")
    assert_one_line_error(plateau("check", "DEADBEEF", "--config", str(cfg)), "[reader] kind")


def test_bad_environment_key(station):
    cfg, _db = station
    assert_one_line_error(plateau("check", "DEADBEEF", "--config", str(cfg), env={"PLATEAU_STATION_COLOUR": "red"}),
                          "PLATEAU_STATION_COLOUR")


def test_bad_toml(station):
    cfg, _db = station
    cfg.write_text('[station\nid = "self-1"\n', encoding="utf-8")
    assert_one_line_error(plateau("check", "DEADBEEF", "--config", str(cfg)), "not valid TOML")


def test_config_without_station_id(station):
    cfg, db = station
    cfg.write_text(config_text(db).replace('id = "self-1"\n', ""), encoding="utf-8")
    assert_one_line_error(plateau("check", "DEADBEEF", "--config", str(cfg)), "[station] id is required")


def test_pass_with_a_clock_in_1970_records_nothing(station):
    cfg, db = station
    assert_one_line_error(plateau("pass", "DEADBEEF", "--at", "1970-01-01T12:00:00Z", "--config", str(cfg)),
                          "clock")
    assert passages(db) == 0


def test_failing_upgrade_is_one_line(tmp_path):
    """A file that claims a revision its tables do not match: the upgrade fails, cleanly."""
    db = tmp_path / "odd.db"
    con = sqlite3.connect(db)
    con.executescript("CREATE TABLE alembic_version (version_num VARCHAR(32) NOT NULL PRIMARY KEY);"
                      "INSERT INTO alembic_version VALUES ('0003');")
    con.close()
    cfg = tmp_path / "station.toml"
    cfg.write_text(config_text(db), encoding="utf-8")
    assert_one_line_error(plateau("check", "DEADBEEF", "--config", str(cfg)), "cannot upgrade the station database")


def test_a_replica_of_another_school_is_refused_at_start(station):
    """station.toml says one school, the database holds another (copied from another station,
    a typo): check, pass, sync and the kiosk all stop with one line naming both sites."""
    cfg, db = station
    cfg.write_text(config_text(db).replace('site = "0691234X"', 'site = "0699999Z"')
                   + '[server]\nurl = "http://127.0.0.1:9"\ntoken = "t"\n', encoding="utf-8")
    before = sqlite3.connect(db).execute("SELECT count(*) FROM passage").fetchone()[0]
    for args in (["check", "DEADBEEF"], ["pass", "DEADBEEF", "--at", AT], ["sync", "--once"]):
        done = plateau(*args, "--config", str(cfg))
        assert done.returncode == 2, (args, done.stderr)
        line = done.stderr.strip()
        assert len(line.splitlines()) == 1 and "Traceback" not in line, line
        assert "holds site 0691234X" in line and 'site = "0699999Z"' in line, line
    env = {"QT_QPA_PLATFORM": "offscreen"}
    kiosk = plateau("station", "--windowed", "--config", str(cfg), env=env)
    assert kiosk.returncode == 2 and "holds site 0691234X" in kiosk.stderr, kiosk.stderr
    assert sqlite3.connect(db).execute("SELECT count(*) FROM passage").fetchone()[0] == before


def test_the_site_is_compared_without_regard_to_case(station):
    cfg, db = station
    cfg.write_text(config_text(db).replace('site = "0691234X"', 'site = "0691234x"'), encoding="utf-8")
    assert plateau("check", "DEADBEEF", "--config", str(cfg), "--at", AT).returncode == 1  # refused: unknown card
