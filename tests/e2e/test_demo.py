"""`plateau demo` end to end, headless as in CI: a short scripted lunch across two stations,
every passage on the server, the daily PDF from the server, and no process left behind."""

from __future__ import annotations

import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

SCHOOL = "Collège Jean Moulin"


def _env() -> dict:
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY")}
    env["QT_QPA_PLATFORM"] = "offscreen"
    return env


def _count(db: Path, sql: str, params=()) -> int:
    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        return con.execute(sql, params).fetchone()[0]
    finally:
        con.close()


def _recorded(work: Path) -> dict[str, int]:
    return {sid: _count(work / sid / "station.db", "SELECT count(*) FROM passage WHERE station = ?", (sid,))
            for sid in ("self-1", "self-2")}


def _left_behind(work: Path) -> list[str]:
    """Processes whose command line names the work folder (the demo's children)."""
    found = []
    for pid in os.listdir("/proc"):
        if not pid.isdigit() or int(pid) == os.getpid():
            continue
        try:
            cmd = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        if str(work) in cmd:
            found.append(f"{pid}: {cmd}")
    return found


def _pdf_text(path: Path) -> str:
    return subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, timeout=30).stdout


@pytest.mark.timeout(150)
@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="pdftotext (poppler-utils) is not installed")
def test_demo_replays_a_short_lunch_headless_and_ends_with_every_passage_on_the_server(tmp_path):
    work = tmp_path / "demo"
    started = time.monotonic()
    done = subprocess.run([sys.executable, "-m", "plateau.cli", "demo", "--dir", str(work), "--passages", "60",
                           "--speed", "400", "--exit"], capture_output=True, text=True, env=_env(), timeout=140)
    took = time.monotonic() - started
    print(done.stdout[-3000:], done.stderr[-2000:], f"\nplateau demo took {took:.1f} s", sep="\n")
    assert done.returncode == 0, done.stderr
    recorded = _recorded(work)
    on_server = _count(work / "server" / "server.db", "SELECT count(*) FROM passage")
    assert sum(recorded.values()) == 60 and recorded["self-1"] > 0 and recorded["self-2"] > 0
    assert on_server == 60
    # the scenario: a refused second try at each station, unknown cards, a forgotten badge, an opposition
    reasons = {r for (r,) in sqlite3.connect(work / "server" / "server.db").execute("SELECT reason FROM passage")}
    assert {"already_served", "unknown_card"} <= reasons
    assert _count(work / "server" / "server.db", "SELECT count(*) FROM passage WHERE kind = 'forgotten'") >= 1
    assert f"on the server {on_server}" in done.stdout
    report = work / "reports" / "daily-2026-11-23.pdf"
    assert SCHOOL in _pdf_text(report)
    shots = sorted((work / "screenshots").glob("kiosk-*.png"))
    assert len(shots) >= 3 and all(p.stat().st_size > 5000 for p in shots)
    for where in ("server", "logs", "daily report", "screenshots"):
        assert where in done.stdout
    assert _left_behind(work) == []


@pytest.mark.timeout(150)
@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="pdftotext (poppler-utils) is not installed")
def test_ctrl_c_in_the_middle_of_the_lunch_writes_the_report_and_stops_everything(tmp_path):
    work = tmp_path / "demo"
    proc = subprocess.Popen([sys.executable, "-m", "plateau.cli", "demo", "--dir", str(work), "--passages", "300",
                             "--speed", "20"], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            env=_env())
    lines = []
    try:
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            line = proc.stdout.readline()
            if not line:
                break
            lines.append(line)
            if " self-2 " in line and ("OK" in line or "NON" in line):  # the lunch is under way
                break
        time.sleep(2)
        proc.send_signal(signal.SIGINT)
        out, _ = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(10)
    text = "".join(lines) + out
    print(text[-3000:])
    assert "Ctrl-C" in text and proc.returncode == 0, text[-2000:]
    recorded = _recorded(work)
    assert 0 < sum(recorded.values()) < 300
    assert _count(work / "server" / "server.db", "SELECT count(*) FROM passage") == sum(recorded.values())
    assert SCHOOL in _pdf_text(work / "reports" / "daily-2026-11-23.pdf")
    assert "Stopped:" in text
    assert _left_behind(work) == []
