"""The kiosk: badge frame on a pty → result screen painted; memory over a simulated hour; start-up.

1. Latency. A real `KioskWindow` (Qt offscreen) with the real serial reader (pyserial) reading
   the slave side of a pty; the benchmark writes RDM6300 frames on the master side and measures
   until the result screen's `paintEvent` ran for that badge. School of 3,000 persons. Baseline:
   `Recorder.badge` alone (decide + durable write, no reader, no GUI) on the same replica.
   GUI freezes: a 10 ms heartbeat timer on the GUI thread during a burst of badges, against the
   same heartbeat on the idle kiosk: the decision and its fsync run on the worker thread.
2. Memory. 1,500 passages through the same path over a simulated hour (the kiosk's clock
   advances 2.4 s per passage; status and headcount refreshes run as often as in an hour);
   RSS after start-up (baseline), after warm-up (300 passages) and at the end.
3. Start-up. `plateau station --windowed` as a process on the 3,000-person replica, from exec to
   its "idle screen shown" log line; baseline: a bare PySide6 window to its first frame.
"""

from __future__ import annotations

import gc
import os
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from plateau.devices.frames import rdm6300_frame

PARIS = ZoneInfo("Europe/Paris")
GOAL_P99_MS = 50.0
GOAL_RSS_MB = 200.0
GOAL_START_S = 2.0


def _rss_mb() -> float:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q / 100 * (len(ordered) - 1))))]


class Clock:
    def __init__(self, at: datetime):
        self.at = at

    def __call__(self) -> datetime:
        return self.at


def _school_replica(folder: Path):
    """A 3,000-person replica whose cards are EM4100 tags (an RDM6300 reads 5-byte IDs)."""
    from sqlalchemy import text

    from plateau.db.engine import open_replica
    from plateau.demo.school import generate, seed_replica
    from plateau.domain.uid import normalize_uid

    school = generate(pupils=2940, commensals=60)
    engine = open_replica(folder / "station.db")
    seed_replica(engine, school)
    tags = {}
    with engine.begin() as conn:
        for pid, uid in school.cards.items():
            data = f"{0x1A00000000 + pid:010X}"
            canonical = normalize_uid(data, "em4100")
            conn.execute(text("UPDATE card SET uid = :new WHERE uid = :old"), {"new": canonical, "old": uid})
            tags[pid] = (data, canonical)
        # everyone has money: the hour's passages are mostly accepted, as in a real lunch
        conn.execute(text("UPDATE balance SET server_cents = 50000"))
    return school, engine, tags


def _baseline_badge(recorder, canonical: str, at: datetime) -> float:
    """The decision and its fsynced write alone (no reader, no threads, no GUI), in ms."""
    t0 = time.perf_counter()
    recorder.badge(canonical, at)
    return (time.perf_counter() - t0) * 1000


def _kiosk(engine, device: str, clock):
    from PySide6.QtWidgets import QApplication

    from plateau.config import ReaderSection, StationSection, StationSettings
    from plateau.devices.factory import make_reader
    from plateau.station.ui.app import build_window

    app = QApplication.instance() or QApplication(["bench-kiosk"])
    settings = StationSettings(station=StationSection(id="self-1", site="0691234X", result_seconds=2.0),
                               reader=ReaderSection(kind="serial", device=device, protocol="rdm6300", debounce_ms=0))
    window = build_window(engine, settings, clock=clock)
    window.resize(1024, 600)
    window.show()
    reader = make_reader(settings.reader)
    reader.start(window.bridge.on_read, window.bridge.on_state)
    deadline = time.monotonic() + 10
    while window.reader_state != "ready" and time.monotonic() < deadline:
        app.processEvents()
        time.sleep(0.005)
    if window.reader_state != "ready":
        raise RuntimeError(f"the serial reader did not open {device}: {window.reader_state} {window.reader_detail}")
    return app, window, reader


def _badge_to_paint(app, window, master: int, data: str, canonical: str) -> float:
    """Write one frame, then wait in Qt's event loop (GIL released, as in the kiosk) until the
    result screen has painted this badge's answer."""
    from PySide6.QtCore import QEventLoop, QTimer

    frame = rdm6300_frame(data)
    loop = QEventLoop()
    done = []

    def check(painted_at: float) -> None:
        out = window.flow.outcome
        if out is not None and out.decision.card_uid == canonical and painted_at > t0:
            done.append(painted_at)
            loop.quit()

    window.result.painted.connect(check)
    QTimer.singleShot(10_000, loop.quit)
    t0 = time.perf_counter()
    os.write(master, frame)
    loop.exec()
    window.result.painted.disconnect(check)
    if not done:
        raise RuntimeError(f"no result screen for {canonical} within 10 s")
    return (done[0] - t0) * 1000


class _Heartbeat:
    """A 10 ms timer on the GUI thread: how late it fires is how long the GUI was frozen."""

    def __init__(self):
        from PySide6.QtCore import QTimer

        self.gaps: list[float] = []
        self._last = None
        self.timer = QTimer(interval=10, timeout=self._beat)

    def _beat(self) -> None:
        now = time.perf_counter()
        if self._last is not None:
            self.gaps.append((now - self._last) * 1000 - 10)
        self._last = now

    def run(self, app, seconds: float) -> list[float]:
        from PySide6.QtCore import QEventLoop, QTimer

        self.gaps, self._last = [], None
        loop = QEventLoop()
        QTimer.singleShot(int(seconds * 1000), loop.quit)
        self.timer.start()
        loop.exec()
        self.timer.stop()
        return self.gaps


def _wait(app, seconds: float) -> None:
    """Run Qt's event loop for `seconds` (the heartbeat keeps beating meanwhile)."""
    from PySide6.QtCore import QEventLoop, QTimer

    loop = QEventLoop()
    QTimer.singleShot(int(seconds * 1000), loop.quit)
    loop.exec()


def _startup(config: Path, runs: int) -> tuple[list[float], list[float]]:
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    kiosk, bare = [], []
    bare_code = ("from PySide6.QtWidgets import QApplication, QLabel\n"
                 "app = QApplication([])\n"
                 "class First(QLabel):\n"
                 "    def paintEvent(self, event):\n"
                 "        super().paintEvent(event)\n"
                 "        print('shown', flush=True)\n"
                 "        app.quit()\n"
                 "w = First('Passez votre badge'); w.resize(1024, 600); w.show(); app.exec()\n")
    for _ in range(runs):
        for cmd, out, marker in (([sys.executable, "-c", bare_code], bare, "shown"),
                                 ([sys.executable, "-m", "plateau.cli", "station", "--windowed", "--config",
                                   str(config)], kiosk, "idle screen shown")):
            t0 = time.perf_counter()
            proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=env, text=True)
            try:
                deadline = time.monotonic() + 30
                while time.monotonic() < deadline:
                    line = proc.stdout.readline()
                    if not line:
                        raise RuntimeError(f"{cmd[-1]} exited before its first frame")
                    if marker in line:
                        out.append(time.perf_counter() - t0)
                        break
            finally:
                proc.terminate()
                try:
                    proc.wait(10)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait(5)
                proc.stdout.close()
    return kiosk, bare


def main(quick: bool = False) -> str:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    n_latency = 60 if quick else 400
    n_service = 300 if quick else 1500
    n_start = 1 if quick else 5
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        school, engine, tags = _school_replica(folder)
        pids = sorted(tags)
        persons = len(school.persons)
        # 1. latency, interleaved with its baseline (same moment, same load): one badge through
        # the kiosk, one through `Recorder.badge` alone, on different persons (nobody is "already served")
        from plateau.station.services import Recorder

        noon = datetime(2026, 11, 23, 11, 20, tzinfo=PARIS)
        recorder = Recorder(engine, "bench-baseline")
        baseline = []
        master, slave = os.openpty()
        device = os.ttyname(slave)
        clock = Clock(noon)
        app, window, reader = _kiosk(engine, device, clock)
        latencies = []
        kiosk_pids = pids[n_latency:2 * n_latency]
        for n, pid in enumerate(kiosk_pids):
            clock.at = noon + timedelta(seconds=n)
            latencies.append(_badge_to_paint(app, window, master, *tags[pid]))
            time.sleep(0.01)
            baseline.append(_baseline_badge(recorder, tags[pids[n]][1], clock.at))
        # GUI freezes: a 10 ms heartbeat on the GUI thread, idle kiosk (baseline) then during
        # a burst of badges (one every 60 ms: faster than any line) with their fsynced writes
        heart = _Heartbeat()
        idle_gaps = heart.run(app, 2.0)
        heart.gaps, heart._last = [], None
        heart.timer.start()
        burst = pids[2 * n_latency:2 * n_latency + (30 if quick else 100)]
        for n, pid in enumerate(burst):
            clock.at = noon + timedelta(minutes=30, seconds=n)
            os.write(master, rdm6300_frame(tags[pid][0]))
            _wait(app, 0.06)
        heart.timer.stop()
        burst_gaps = heart.gaps
        # 2. memory over a simulated hour of service (fresh day: the next Tuesday)
        gc.collect()
        rss_start = _rss_mb()
        samples = {}
        service_pids = (pids * 2)[:n_service]
        # a second simulated day shows where the memory settles (SQLite page caches, allocator)
        day_ends = []
        for d in range(1 if quick else 2):
            day = datetime(2026, 11, 24 + d, 11, 15, tzinfo=PARIS)
            for n, pid in enumerate(service_pids):
                clock.at = day + timedelta(seconds=2.4 * n)
                _badge_to_paint(app, window, master, *tags[pid])
                if n % 25 == 24:   # once a simulated minute: status poll and the headcount refresh
                    window.refresh_status()
                    window.refresh_expected()
                    app.processEvents()
                if (n + 1) % 300 == 0 and d == 0:
                    gc.collect()
                    samples[n + 1] = _rss_mb()
            gc.collect()
            day_ends.append(_rss_mb())
        reader.stop()
        window.shutdown()
        window.close()
        app.processEvents()
        os.close(master)
        os.close(slave)
        engine.dispose()
        # 3. start-up of the real process on the same replica
        config = folder / "station.toml"
        config.write_text(f'[station]\nid = "self-1"\nsite = "0691234X"\n[db]\npath = "{folder / "station.db"}"\n'
                          f'[reader]\nkind = "simulated"\nsimulated_source = "tcp:127.0.0.1:0"\n', encoding="utf-8")
        starts, bare = _startup(config, n_start)
    p50, p99 = statistics.median(latencies), _pct(latencies, 99)
    b50, b99 = statistics.median(baseline), _pct(baseline, 99)
    warm = samples.get(300, rss_start)
    end = samples[max(samples)]
    growth = end - warm
    idle_freeze, burst_freeze = max(idle_gaps + [0.0]), max(burst_gaps + [0.0])
    idle_p99, burst_p99 = _pct(idle_gaps or [0.0], 99), _pct(burst_gaps or [0.0], 99)
    start_med, bare_med = statistics.median(starts), statistics.median(bare)
    met = lambda ok: "**met**" if ok else "**NOT met**"  # noqa: E731
    lines = [
        "## Kiosk: badge to screen, memory over a service, start-up",
        "",
        f"A {persons:,}-person school in a real replica file (WAL, synchronous=FULL); the real `KioskWindow` "
        f"(Qt offscreen) with the real serial reader on a pty (RDM6300 frames written on the master side). "
        f"Latency = frame written → result screen's `paintEvent` done for that badge; decision and durable "
        f"write run on the kiosk's `kiosk-db` worker thread.",
        "",
        "| measure | kiosk | baseline | ratio | goal |",
        "|---|---:|---:|---:|---|",
        f"| badge → result painted, p50 ({len(latencies)} badges) | {p50:.1f} ms | {b50:.1f} ms "
        f"(`Recorder.badge` alone) | {p50 / b50:.1f}× | |",
        f"| badge → result painted, p99 | {p99:.1f} ms | {b99:.1f} ms | {p99 / b99:.1f}× | ≤ {GOAL_P99_MS:.0f} ms: "
        f"{met(p99 <= GOAL_P99_MS)} |",
        f"| GUI thread: longest freeze while badges are decided and written ({len(burst)} badges, one every "
        f"60 ms) | {burst_freeze:.1f} ms (p99 {burst_p99:.1f}) | {idle_freeze:.1f} ms (p99 {idle_p99:.1f}, idle "
        f"kiosk) | {burst_freeze / max(idle_freeze, 0.1):.1f}× | never frozen: "
        f"{met(burst_freeze <= GOAL_P99_MS)} (≤ {GOAL_P99_MS:.0f} ms) |",
        f"| RSS after {n_service:,} passages (simulated hour) | {end:.0f} MB | {rss_start:.0f} MB (after start-up "
        f"and {len(latencies)} badges) | {end / rss_start:.2f}× | ≤ {GOAL_RSS_MB:.0f} MB: {met(end <= GOAL_RSS_MB)} |",
        f"| RSS growth after warm-up (300 → {n_service:,} passages) | {growth:+.1f} MB | 0 MB | | no growth: "
        f"{met(growth <= 5.0)} (≤ 5 MB) |",
        f"| start-up to idle screen (`plateau station`, median of {n_start}) | {start_med:.2f} s | "
        f"{bare_med:.2f} s (bare PySide6 window) | {start_med / bare_med:.1f}× | ≤ {GOAL_START_S:.0f} s: "
        f"{met(start_med <= GOAL_START_S)} |",
        "",
        "RSS samples every 300 passages: " + ", ".join(f"{k}: {v:.0f} MB" for k, v in sorted(samples.items()))
        + (f"; after a second simulated day of {n_service:,} passages: {day_ends[-1]:.0f} MB "
           f"({day_ends[-1] - day_ends[0]:+.1f} MB over the whole second day)." if len(day_ends) > 1 else "."),
        "",
        "The baseline of the latency is the decision and its fsynced write alone; the difference is the reader "
        "thread, two queued signals and painting. A kiosk's SD card commits in 5–20 ms (this VM's disk is "
        "faster): the write runs on the worker thread, so a slow commit delays that pupil's answer but never "
        "freezes the screen.",
    ]
    return "\n".join(lines)


if __name__ == "__main__":
    print(main(quick="--quick" in sys.argv))
