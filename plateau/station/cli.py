"""`plateau check` and `plateau pass`: the station's decision from the command line.

`pass` records exactly as the kiosk does (same Recorder, same transaction), so scripts,
tests and a keyboard-only fallback go through the very same path.
"""

from __future__ import annotations

import argparse
import json
import sqlite3
from datetime import datetime, timezone
from zoneinfo import ZoneInfo

from sqlalchemy.exc import OperationalError

from plateau.config import load_settings
from plateau.db.engine import check_site, open_replica
from plateau.station.services import Recorder
from plateau.domain.phone_badge import is_payload
from plateau.domain.uid import FORMATS, normalize_uid
from plateau.errors import UserError


EXIT_CODES = """exit status:
  0  accepted: the badge would pass (check) / passed and was recorded (pass)
  1  refused: the JSON or the line says why (reason code of docs/protocol.md)
  2  bad input: unknown option, malformed UID or --at, missing or bad configuration,
     missing, damaged or unconfigured station database; one line on stderr
  3  unexpected error (a bug): one line on stderr, details with --debug"""


def add_arguments(parser: argparse.ArgumentParser, name: str) -> None:
    parser.formatter_class = argparse.RawDescriptionHelpFormatter
    parser.epilog = EXIT_CODES + ("\n\n`plateau pass` records the passage exactly as the kiosk does."
                                  if name == "pass" else "\n\n`plateau check` records nothing.")
    parser.add_argument("uid", help="the badge UID as the reader spells it, or a phone badge's text (PLT1:...)")
    parser.add_argument("--at", help="ISO 8601 instant (default: now); without an offset, the site's local time")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument("--config", help="station configuration file (default: $PLATEAU_CONFIG or "
                                         "/etc/plateau/station.toml)")
    parser.add_argument("--format", choices=FORMATS, default=None,
                        help="the UID's spelling (default: the configured reader's)")
    parser.add_argument("--lang", choices=("fr", "en"), help="language of the message")


def parse_instant(text: str | None, tz: str) -> datetime:
    """`--at` as an aware instant; without an offset it is the site's local time."""
    if text is None:
        return datetime.now(timezone.utc)
    try:
        at = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        raise UserError(f"--at: not an ISO 8601 date and time: {text!r} "
                        "(e.g. 2026-11-23T12:03 or 2026-11-23T12:03:00+01:00)") from None
    if at.tzinfo is None:
        at = at.replace(tzinfo=ZoneInfo(tz))
    return at


def run(args: argparse.Namespace) -> int:
    try:
        return _run(args)
    except (OperationalError, sqlite3.OperationalError) as exc:
        # locked past the busy timeout, unreadable, read-only: the person can act on it
        raise UserError(f"the station database cannot be used: {getattr(exc, 'orig', None) or exc}") from None


def _run(args: argparse.Namespace) -> int:
    settings = load_settings(args.config)
    # a phone badge's text (plateau.domain.phone_badge) is taken as is; anything else is a card UID
    text = args.uid.strip()
    uid = text if is_payload(text) else normalize_uid(args.uid, args.format or settings.reader.uid_format)
    engine = open_replica(settings.db.path, create=False)
    recorder = None
    try:
        check_site(engine, settings.station.site, settings.source)
        recorder = Recorder(engine, settings.station.id)
        site = recorder.site()
        at = parse_instant(args.at, site.timezone)
        lang = args.lang or settings.station.language
        if args.command == "pass":
            recorded = recorder.badge(uid, at)
            decision, passage_id = recorded.decision, recorded.passage_id
        else:
            decision, passage_id = recorder.check(uid, at), None
    finally:
        if recorder is not None:
            recorder.close()
        engine.dispose()
    if args.json:
        out = decision.to_json(lang)
        if passage_id:
            out["passage_id"] = passage_id
        print(json.dumps(out, ensure_ascii=False))
    else:
        mark = "ACCEPTED" if decision.accepted else "REFUSED"
        who = decision.person.display_name if decision.person else ("phone" if is_payload(uid) else uid)
        line = f"{mark} {decision.reason}: {decision.message(lang)} — {who}"
        if decision.balance_after_cents is not None:
            line += f" (price {decision.price_cents} c, balance {decision.balance_after_cents} c)"
        print(line)
        for w in decision.warning_messages(lang):
            print(f"  warning: {w}")
    return 0 if decision.accepted else 1
