"""`plateau demo`: the demo school on this machine.

For now it runs the station's decision engine and durable passage log on the demo school
from the command line (a short scripted lunch); the full system (server, sync daemons,
kiosk) is started by later steps.
"""

from __future__ import annotations

import argparse
import random
import tempfile
from datetime import datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo


def add_arguments(parser: argparse.ArgumentParser, name: str) -> None:
    parser.add_argument("--dir", help="working folder (default: a new temporary folder)")
    parser.add_argument("--passages", type=int, default=40, help="how many badges the scripted lunch replays")
    parser.add_argument("--lang", choices=("fr", "en"), default="fr")


def run(args: argparse.Namespace) -> int:
    from plateau.db.engine import open_replica
    from plateau.db.passages import Recorder
    from plateau.demo.school import TIMEZONE, generate, seed_replica

    workdir = Path(args.dir or tempfile.mkdtemp(prefix="plateau-demo-"))
    workdir.mkdir(parents=True, exist_ok=True)
    school = generate()
    engine = open_replica(workdir / "station.db")
    seed_replica(engine, school)
    recorder = Recorder(engine, "self-1")
    rng = random.Random(7)
    tz = ZoneInfo(TIMEZONE)
    at = datetime.combine(school.today, time(11, 20), tz)
    uids = list(school.cards.values())
    print(f"Demo school: {len(school.persons)} persons, station replica {workdir / 'station.db'}")
    for n in range(args.passages):
        uid = "0BADC0DE" if n % 17 == 16 else rng.choice(uids)
        decision = recorder.badge(uid, at).decision
        who = decision.person.display_name if decision.person else uid
        mark = "OK " if decision.accepted else "NON"
        print(f"{at.strftime('%H:%M:%S')}  {mark}  {who:<28} {decision.message(args.lang)}")
        at += timedelta(seconds=rng.randint(2, 9))
    engine.dispose()
    return 0
