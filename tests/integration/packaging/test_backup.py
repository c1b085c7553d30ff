"""Online backup of a live replica: consistent copies while passages are being written."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import threading
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from plateau.db.backup import BackupError, backup_database, existing_backups
from tests.conftest import paris


def _counts(path: Path) -> tuple[int, set[str], set[str]]:
    con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        passages = {r[0] for r in con.execute("SELECT id FROM passage")}
        outbox = {r[0] for r in con.execute("SELECT passage_id FROM outbox")}
        mode = con.execute("PRAGMA journal_mode").fetchone()[0]
    finally:
        con.close()
    return mode, passages, outbox


def test_backups_taken_during_lunch_are_consistent_and_rotated(tmp_path, replica, recorder):
    live = Path(replica.url.database)
    stop = threading.Event()
    written: list[str] = []

    def lunch():  # the kiosk keeps recording passages while the timer fires
        at = paris(2026, 11, 23, 12, 0)
        for n in range(5000):
            if stop.is_set():
                return
            written.append(recorder.badge(f"DEADBE{n:04X}", at + timedelta(seconds=n)).passage_id)

    writer = threading.Thread(target=lunch, name="kiosk-writer")
    writer.start()
    try:
        base = datetime(2026, 11, 23, 11, 0, tzinfo=timezone.utc)
        results = [backup_database(live, tmp_path / "backups", keep=3, now=base + timedelta(minutes=i))
                   for i in range(5)]
    finally:
        stop.set()
        writer.join(timeout=60)
    assert not writer.is_alive()
    assert written  # the kiosk really wrote during the backups
    kept = existing_backups(tmp_path / "backups")
    assert kept == [r.path for r in results[-3:]]
    assert [p.name for p in results[-1].removed] == [results[1].path.name]
    for path in kept:
        mode, passages, outbox = _counts(path)
        assert mode == "delete"                       # one self-contained file
        assert passages == outbox                     # never a passage without its outbox entry
        assert passages <= set(written) | passages    # nothing invented
    assert not list((tmp_path / "backups").glob("*.partial"))
    # a backup of the file at rest holds every passage written
    final = backup_database(live, tmp_path / "backups", keep=3, now=base - timedelta(days=300))
    assert _counts(final.path)[1] == set(written)
    assert final.path in existing_backups(tmp_path / "backups")  # a clock set backwards loses nothing new


def test_a_damaged_database_is_refused_and_leaves_nothing(tmp_path):
    bad = tmp_path / "station.db"
    bad.write_bytes(b"SQLite format 3\0" + b"\xff" * 4000)
    with pytest.raises(BackupError, match="cannot back up"):
        backup_database(bad, tmp_path / "out")
    assert list((tmp_path / "out").iterdir()) == []
    with pytest.raises(BackupError, match="no database to back up"):
        backup_database(tmp_path / "missing.db", tmp_path / "out")


def _plateau(*args, cwd):
    return subprocess.run([sys.executable, "-m", "plateau.cli", *args], cwd=cwd, capture_output=True,
                          text=True, timeout=60)


def test_the_backup_command_reads_the_station_configuration(tmp_path, replica):
    live = Path(replica.url.database)
    config = tmp_path / "station.toml"
    config.write_text(f'[station]\nid = "self-1"\nsite = "0691234X"\n[db]\npath = "{live}"\n')
    repo = Path(__file__).resolve().parents[3]
    for _ in range(3):
        done = _plateau("backup", "--config", str(config), "--keep", "2", str(tmp_path / "b"), cwd=repo)
        assert done.returncode == 0, done.stderr
        assert "bytes" in done.stdout
        assert "program=backup station=self-1" in done.stderr and "backup done" in done.stderr
    assert len(existing_backups(tmp_path / "b")) == 2
    missing = _plateau("backup", "--db", str(tmp_path / "nope.db"), str(tmp_path / "b"), cwd=repo)
    assert missing.returncode == 2
    assert missing.stderr.strip().splitlines()[-1] == f"plateau backup: error: no database to back up at {tmp_path / 'nope.db'}"
