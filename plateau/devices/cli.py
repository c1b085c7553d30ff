"""`plateau reader`: try the configured badge reader from a terminal (for the person installing it).

    sudo systemctl stop plateau-kiosk        # the kiosk holds the reader
    plateau reader --config /etc/plateau/station.toml
    reader starting                          # states on stderr
    reader ready
    04A1B2C3D4E5F6                           # one canonical UID per card on stdout

Prints the reader's state changes and, for each card, the canonical UID (what the cards import
and the kiosk compare), so a known card can be checked against what the office imported. A
keyboard-wedge reader types into this terminal: its lines are normalised the same way.
"""

from __future__ import annotations

import argparse
import queue
import sys
import time

from plateau.devices.base import BadgeRead, ReaderState


def add_arguments(parser: argparse.ArgumentParser, name: str) -> None:
    parser.add_argument("--config", help="station configuration file (default: $PLATEAU_CONFIG or "
                                         "/etc/plateau/station.toml)")
    parser.add_argument("--seconds", type=float, default=0.0,
                        help="stop after this many seconds (default: until Ctrl-C)")
    parser.add_argument("--count", type=int, default=0, help="stop after this many reads (default: no limit)")


def run(args: argparse.Namespace) -> int:
    from plateau.config import load_settings
    from plateau.devices.factory import make_reader
    from plateau.errors import UserError

    settings = load_settings(args.config, validate=False)
    from plateau.devices.checks import check_reader

    problems = check_reader(settings.reader)
    if problems:
        raise UserError(f"{settings.source}: {problems[0]}")
    reader_settings = settings.reader
    if reader_settings.kind == "keyboard":
        # a keyboard reader types into this terminal: read it as the simulator reads stdin
        from dataclasses import replace

        reader_settings = replace(reader_settings, kind="simulated", simulated_source="stdin")
        print("keyboard reader: badge a card (it types into this terminal)", flush=True)
    reader = make_reader(reader_settings, name="test")
    events: queue.Queue = queue.Queue()
    reader.start(events.put, lambda state, detail: events.put((state, detail)))
    deadline = time.monotonic() + args.seconds if args.seconds > 0 else None
    reads = 0
    try:
        while deadline is None or time.monotonic() < deadline:
            try:
                event = events.get(timeout=0.2)
            except queue.Empty:
                continue
            if isinstance(event, BadgeRead):
                reads += 1
                print(event.uid, flush=True)
                if args.count and reads >= args.count:
                    break
            else:
                state, detail = event
                if state != ReaderState.STOPPED:
                    print(f"reader {state.value}" + (f": {detail}" if detail else ""), file=sys.stderr, flush=True)
    finally:
        reader.stop()
    return 0
