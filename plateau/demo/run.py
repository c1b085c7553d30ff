"""`plateau demo`: the whole system on this machine, replaying a lunch at the demo school.

The conductor (this module, main thread) creates a work folder (default `./var/demo/`), loads
the demo school into a central server database with `plateau admin` / `plateau import` and the
server's store, starts `plateau server`, two stations each with its `station.toml`, replica and
`plateau sync` daemon, and the kiosk of station self-1 (a window when there is a display,
offscreen with screenshots otherwise) fed by the simulated reader on a loopback TCP port.
It then replays the scripted lunch of `plateau.demo.lunch` on the demo day (2026-11-23) at
`--speed` times real time: self-1's badges go to the kiosk's reader, self-2's through
`plateau pass --at` and its staff desk (a worker thread). At the end, or on Ctrl-C, it waits
for the stations to push their passages, checks the server holds exactly what they recorded,
writes the daily PDF report from the server's database and stops every process it started.
"""

from __future__ import annotations

import argparse
import os
import queue
import shutil
import signal
import socket
import subprocess
import threading
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

MARKER = ".plateau-demo"


def add_arguments(parser: argparse.ArgumentParser, name: str) -> None:
    parser.add_argument("--dir", default="var/demo", help="work folder, emptied first (default: ./var/demo)")
    parser.add_argument("--passages", type=int, default=300, help="badges in the scripted lunch (default 300)")
    parser.add_argument("--speed", type=float, default=40.0,
                        help="how many times faster than real time the lunch runs (default 40: about 3 min)")
    parser.add_argument("--headless", action="store_true",
                        help="no window even with a display: the kiosk runs offscreen and takes screenshots")
    parser.add_argument("--exit", action="store_true",
                        help="stop once the report is written (default with a window: wait for Ctrl-C)")
    parser.add_argument("--port", type=int, default=0, help="the server's port (default: a free one)")
    parser.add_argument("--lang", choices=("fr", "en"), default="fr")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _prepare(folder: Path) -> Path:
    from plateau.errors import UserError

    folder = folder.resolve()
    if folder.exists() and any(folder.iterdir()) and not (folder / MARKER).exists():
        raise UserError(f"{folder} is not empty and was not made by plateau demo: choose another --dir")
    if folder.exists():
        shutil.rmtree(folder)
    for sub in ("server", "logs", "screenshots", "reports"):
        (folder / sub).mkdir(parents=True)
    (folder / MARKER).write_text("made by plateau demo; emptied at each run\n")
    return folder


def _interrupt(*_):
    raise KeyboardInterrupt


def run(args: argparse.Namespace) -> int:
    from plateau.errors import UserError

    if args.speed <= 0 or args.passages < 12:
        raise UserError("--speed must be positive and --passages at least 12")
    # kill and Ctrl-C stop cleanly; SIGINT is set explicitly since a shell starting us in the
    # background hands us SIGINT ignored
    signal.signal(signal.SIGTERM, _interrupt)
    signal.signal(signal.SIGINT, _interrupt)
    demo = Demo(args, _prepare(Path(args.dir)))
    try:
        return demo.main()
    finally:
        demo.shutdown()


class Demo:
    """One run of the demo: its folder, its children and its counts. Main thread."""

    def __init__(self, args: argparse.Namespace, folder: Path):
        from plateau.demo.procs import Children
        from plateau.demo.school import generate
        from plateau.demo.stations import StationFiles

        self.args, self.folder = args, folder
        self.children = Children(folder / "logs")
        self.school = generate()
        self.stations = {sid: StationFiles(sid, folder / sid) for sid in ("self-1", "self-2")}
        self.windowed = bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")) and not args.headless
        self.kiosk = None
        self.real_time_from = None  # the kiosk's clock runs at real time from then (after the script)
        self.sent = {sid: 0 for sid in self.stations}
        self.url = ""
        self._kiosk_rowid = 0

    def say(self, text: str = "") -> None:
        print(text, flush=True)

    # -- setting up -------------------------------------------------------------------------
    def main(self) -> int:
        from plateau.demo.lunch import KIOSK, opening, plan_lunch

        self.say(f"Plateau demo in {self.folder}")
        self.say(f"Loading {self.school.of_kind('site')[0]['name']} ({len(self.school.persons)} persons) "
                 "into the central server:")
        from plateau.demo.loading import load_school

        tokens = load_school(self.folder / "server" / "server.db", self.school, tuple(self.stations), say=self.say)
        self.start_server()
        events = plan_lunch(self.school, self.args.passages)
        start = opening(self.school)[0] - timedelta(minutes=2)  # the idle screen before the doors open
        reader_port = _free_port()
        for sid, files in self.stations.items():
            files.write_config(self.school.of_kind("site")[0]["code"], self.url, tokens[sid], lang=self.args.lang,
                               reader_source=f"tcp:127.0.0.1:{reader_port}" if sid == KIOSK else "stdin")
        self.first_sync()
        for sid, files in self.stations.items():
            self.children.start(f"sync-{sid}", _argv("sync", "--config", str(files.config)))
        self.say("Sync daemons started (plateau sync), one per station")
        # the kiosk's clock is anchored now, just before it starts (a few seconds), not at the first sync
        anchor = datetime.now(timezone.utc) + timedelta(seconds=6)
        # once the script is over the clock slows to real time, inside the service: badges
        # presented by hand afterwards are answered as at lunch, not refused "no service open"
        self.real_time_from = events[-1].at + timedelta(minutes=1)
        self.clock = (start, self.args.speed, anchor, self.real_time_from)
        self.stations[KIOSK].write_config(self.school.of_kind("site")[0]["code"], self.url, tokens[KIOSK],
                                          reader_source=f"tcp:127.0.0.1:{reader_port}", clock=self.clock,
                                          lang=self.args.lang)
        self.start_kiosk(reader_port)
        interrupted = False
        try:
            self.replay(events, reader_port)
        except KeyboardInterrupt:
            interrupted = True
            self.say("\nCtrl-C: the lunch stops here; finishing the report.")
        code = self.finish()
        if not interrupted and not self.args.exit and self.windowed:
            self.say(f"\nEverything keeps running, the kiosk's clock at real time since "
                     f"{self.real_time_from:%H:%M} (lunch ends at {opening(self.school)[1]:%H:%M}): badge on the "
                     f"kiosk with `echo 0BADC0DE > /dev/tcp/127.0.0.1/{reader_port}` (bash). "
                     "Ctrl-C stops everything.")
            try:
                while all(c.alive() for c in self.children.items):
                    time.sleep(0.5)
            except KeyboardInterrupt:
                pass
        return code

    def start_server(self) -> None:
        from plateau.demo.procs import wait_until

        port = self.args.port or _free_port()
        self.url = f"http://127.0.0.1:{port}"
        server = self.children.start("server", _argv("server", "--db", str(self.folder / "server" / "server.db"),
                                                     "--host", "127.0.0.1", "--port", str(port)))
        import urllib.request

        def healthy() -> bool:
            if not server.alive():
                raise SystemExit(f"plateau server stopped: {server.tail()}")
            with urllib.request.urlopen(self.url + "/api/v1/health", timeout=2) as r:
                return r.status == 200

        if not wait_until(healthy, 60, 0.2):
            raise RuntimeError(f"plateau server did not answer {self.url}/api/v1/health: {server.tail()}")
        self.say(f"Central server: {self.url} (plateau server, SQLite {self.folder / 'server' / 'server.db'})")
        from plateau.demo.loading import DEMO_OFFICE_USERS

        self.say(f"The office (web back office): {self.url}/office/ — demo sign-ins:")
        for role, (email, password) in DEMO_OFFICE_USERS.items():
            self.say(f"  {role:<13} {email} / {password}")
        from plateau.demo.families import DEMO_FAMILY_EMAIL, DEMO_FAMILY_PASSWORD

        self.say(f"The Espace Famille (families' portal): {self.url}/famille/ — demo sign-in: "
                 f"{DEMO_FAMILY_EMAIL} / {DEMO_FAMILY_PASSWORD}")

    def first_sync(self) -> None:
        procs = {sid: subprocess.Popen(_argv("sync", "--once", "--config", str(f.config)),
                                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
                 for sid, f in self.stations.items()}
        for sid, proc in procs.items():
            out, _ = proc.communicate(timeout=180)
            if proc.returncode != 0:
                raise RuntimeError(f"first sync of {sid} failed ({proc.returncode}): {out[-2000:]}")
            persons = self.stations[sid].scalar("SELECT count(*) FROM person")
            self.say(f"Station {sid}: first sync done, replica {self.stations[sid].db} ({persons} persons)")

    def start_kiosk(self, reader_port: int) -> None:
        from plateau.demo.procs import wait_until

        env = {} if self.windowed else {"QT_QPA_PLATFORM": "offscreen"}
        if self.windowed and os.environ.get("QT_QPA_PLATFORM") == "offscreen":
            env["QT_QPA_PLATFORM"] = ""  # the Makefile's test default, not wanted for a window
        argv = [_python(), "-m", "plateau.demo.kiosk", "--shots", str(self.folder / "screenshots"),
                "--config", str(self.stations["self-1"].config)]
        argv += ["--windowed", "--size", "1024x600"]  # offscreen too: screenshots at a real panel size
        self.kiosk = self.children.start("kiosk-self-1", argv, env=env)

        def listening() -> bool:
            if not self.kiosk.alive():
                raise SystemExit(f"the kiosk stopped: {self.kiosk.tail()}")
            socket.create_connection(("127.0.0.1", reader_port), timeout=1).close()
            return True

        if not wait_until(listening, 60, 0.2):
            raise RuntimeError(f"the kiosk's simulated reader is not listening: {self.kiosk.tail()}")
        self.say(f"Kiosk self-1: {'a window' if self.windowed else 'offscreen (no display)'}, simulated reader "
                 f"on tcp:127.0.0.1:{reader_port}; screenshots in {self.folder / 'screenshots'}")
        time.sleep(1.0)
        self.screenshot()

    def screenshot(self) -> None:
        if self.kiosk is not None and self.kiosk.alive():
            os.kill(self.kiosk.proc.pid, signal.SIGUSR1)

    # -- the lunch --------------------------------------------------------------------------
    def replay(self, events, reader_port: int) -> None:
        from plateau.demo.clock import ShiftedClock
        from plateau.demo.lunch import KIOSK

        start, speed, anchor, real_from = self.clock
        clock = ShiftedClock(start, speed, anchor, real_from=real_from)
        self.say(f"\nLunch of {self.school.today:%A %d %B %Y} from {events[0].at:%H:%M} at x{self.args.speed:g}: "
                 f"{len(events)} passages, about {(events[-1].at - events[0].at).total_seconds() / self.args.speed:.0f} s")
        jobs: queue.Queue = queue.Queue()
        worker = threading.Thread(target=self._second_station, args=(jobs,), name="self-2", daemon=True)
        worker.start()
        reader = socket.create_connection(("127.0.0.1", reader_port), timeout=5)
        shots_after = {"tries again", "in opposition", "unknown card"}
        try:
            for n, ev in enumerate(events):
                delay = (clock.wall_at(ev.at) - datetime.now(timezone.utc)).total_seconds()
                if delay > 0:
                    time.sleep(delay)
                if ev.station == KIOSK:
                    reader.sendall((ev.uid + "\n").encode())
                    self.sent[KIOSK] += 1
                    if ev.note:
                        self.say(f"  {ev.at:%H:%M:%S} {ev.station} badge {ev.uid}  [{ev.note}]")
                    if ev.note in shots_after or n == len(events) // 4:
                        shots_after.discard(ev.note)
                        time.sleep(0.3)         # the answer is on screen; the next pupil waits a moment
                        self.screenshot()
                        time.sleep(0.2)
                else:
                    jobs.put(ev)
                self._tail_kiosk()
            time.sleep(2.5)                     # back to the idle screen, with the day's count
            self.screenshot()
            self._tail_kiosk()
        finally:
            jobs.put(None)
            worker.join(120)
            reader.close()

    def _second_station(self, jobs: queue.Queue) -> None:
        """Worker thread: station self-2's passages, one after the other, at their planned instants."""
        from plateau.demo.procs import wait_until
        from plateau.demo.stations import StaffDesk

        files = self.stations["self-2"]
        desk = StaffDesk(files)
        try:
            while (ev := jobs.get()) is not None:
                try:
                    if ev.note == "tries at the other station":  # the pupil walks over: self-1's passage is here
                        wait_until(lambda: files.served_today(ev.person_id, self.school.today.isoformat()) > 0, 5)
                    if ev.action == "forgotten":
                        self._print(ev, desk.forgotten(ev.person_id, ev.at).to_json(self.args.lang))
                    else:
                        self._print(ev, files.passage(ev.uid, ev.at))
                    self.sent["self-2"] += 1
                except Exception as exc:  # one failed passage must not stop the lunch
                    self.say(f"  self-2: {ev.action} failed: {exc}")
        finally:
            desk.close()

    def _tail_kiosk(self) -> None:
        """Print the kiosk's answers as its replica records them (the kiosk is another process)."""
        from zoneinfo import ZoneInfo

        from plateau.demo.school import TIMEZONE

        try:
            rows = self.stations["self-1"].recorded_since(self._kiosk_rowid)
        except Exception:  # busy for a moment: the next call catches up
            return
        for rowid, at, person_id, uid, accepted, reason in rows:
            self._kiosk_rowid = rowid
            p = self.school.persons.get(person_id) if person_id else None
            who = f"{p['first_name']} {p['last_name'].title()}" if p else uid
            local = datetime.fromisoformat(at).astimezone(ZoneInfo(TIMEZONE))
            self.say(f"  {local:%H:%M:%S} self-1 {who:<26} {'OK ' if accepted else 'NON'} {_reason(reason)}")

    def _print(self, ev, answer: dict | None) -> None:
        who = ""
        if ev.person_id is not None:
            p = self.school.persons[ev.person_id]
            who = f"{p['first_name']} {p['last_name'].title()}"
        if answer is None:
            outcome = "badge → kiosk"
        else:
            outcome = ("OK " if answer["accepted"] else "NON") + f" {answer['message']}"
        note = f"  [{ev.note}]" if ev.note else ""
        self.say(f"  {ev.at:%H:%M:%S} {ev.station} {who or ev.uid or '':<26} {outcome}{note}")

    # -- the end ----------------------------------------------------------------------------
    def finish(self) -> int:
        from plateau.demo.procs import wait_until
        from plateau.demo.stations import server_passages

        server_db = self.folder / "server" / "server.db"
        sent = sum(self.sent.values())
        recorded = {sid: 0 for sid in self.stations}

        def settled() -> bool:
            for sid, f in self.stations.items():
                recorded[sid] = f.passages()
            return (recorded["self-1"] >= self.sent["self-1"] and all(f.waiting() == 0 for f in self.stations.values())
                    and server_passages(server_db) == sum(recorded.values()))

        wait_until(settled, 30, 0.25)
        on_server = server_passages(server_db)
        self._tail_kiosk()
        self.say(f"\nPassages: {sent} badges sent; recorded by self-1 {recorded['self-1']}, by self-2 "
                 f"{recorded['self-2']}; on the server {on_server}")
        report = self.folder / "reports" / f"daily-{self.school.today.isoformat()}.pdf"
        done = subprocess.run(_argv("report", "daily", "--db", str(server_db), "--site",
                                    self.school.of_kind("site")[0]["code"], "--date", self.school.today.isoformat(),
                                    "-o", str(report)), capture_output=True, text=True, timeout=120)
        if done.returncode != 0:
            self.say(f"The report failed: {done.stderr.strip()}")
        time.sleep(0.5)
        self.say("\nWhere to look:")
        self.say(f"  server        {self.url}  (try {self.url}/api/v1/health)")
        from plateau.demo.families import DEMO_FAMILY_EMAIL, DEMO_FAMILY_PASSWORD

        self.say(f"  Espace Famille {self.url}/famille/  (sign in: {DEMO_FAMILY_EMAIL} / {DEMO_FAMILY_PASSWORD};"
                 " docs/famille.md)")
        self.say(f"  family API    {self.url}/api/v1/family/  (sign in: {DEMO_FAMILY_EMAIL} / {DEMO_FAMILY_PASSWORD};"
                 " docs/family-api.md)")
        self.say(f"  logs          {self.folder / 'logs'}")
        self.say(f"  daily report  {report}")
        self.say(f"  screenshots   {self.folder / 'screenshots'}")
        self.say(f"  stations      {self.stations['self-1'].folder}, {self.stations['self-2'].folder}")
        ok = done.returncode == 0 and on_server == sum(recorded.values())
        return 0 if ok else 1

    def shutdown(self) -> None:
        signal.signal(signal.SIGINT, signal.SIG_IGN)  # a second Ctrl-C must not leave orphans
        try:
            codes = self.children.stop_all()
            if codes:
                self.say("Stopped: " + ", ".join(f"{name} ({_status(code)})" for name, code in codes.items()))
        finally:
            signal.signal(signal.SIGINT, _interrupt)


def _reason(code: str) -> str:
    """A refusal's words without the details only the kiosk's decision has; else its code."""
    from plateau.domain.reasons import Reason
    from plateau.domain.messages import reason_text

    try:
        text = "accepted" if code == "ok" else reason_text(Reason(code), "fr")
    except Exception:  # an unknown code: the code says enough
        return code
    # a text that needs details only the decision had (the time of the first meal): the code
    return code if "()" in text or text.rstrip().endswith((" à", ":")) else text


def _status(code: int | None) -> str:
    """uvicorn re-raises the SIGTERM it handled gracefully: say so rather than show -15."""
    if code is not None and code < 0:
        return f"on {signal.Signals(-code).name}"
    return f"exit {code}"


def _python() -> str:
    import sys

    return sys.executable


def _argv(*args: str) -> list[str]:
    from plateau.demo.procs import plateau_argv

    return plateau_argv(*args)
