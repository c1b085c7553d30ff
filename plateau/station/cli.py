"""`plateau check` and `plateau pass`: the station's decision from the command line.

`pass` records exactly as the kiosk does (same Recorder, same transaction), so scripts,
tests and a keyboard-only fallback go through the very same path.
"""

from __future__ import annotations

import argparse
import json
from datetime import datetime, timezone
from zoneinfo import ZoneInfo

from plateau.config import load_settings
from plateau.db.engine import open_replica
from plateau.db.passages import Recorder
from plateau.domain.uid import FORMATS, normalize_uid
from plateau.errors import UserError


def add_arguments(parser: argparse.ArgumentParser, name: str) -> None:
    parser.add_argument("uid", help="the badge UID as the reader spells it")
    parser.add_argument("--at", help="ISO 8601 instant (default: now); without an offset, the site's local time")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument("--config", help="station configuration file (default: $PLATEAU_CONFIG or "
                                         "/etc/plateau/station.toml)")
    parser.add_argument("--format", choices=FORMATS, default=None,
                        help="the UID's spelling (default: the configured reader's)")
    parser.add_argument("--lang", choices=("fr", "en"), help="language of the message")


def parse_instant(text: str | None, tz: str) -> datetime:
    if not text:
        return datetime.now(timezone.utc)
    try:
        at = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        raise UserError(f"--at: not an ISO 8601 date and time: {text!r}") from None
    if at.tzinfo is None:
        at = at.replace(tzinfo=ZoneInfo(tz))
    return at


def run(args: argparse.Namespace) -> int:
    settings = load_settings(args.config)
    uid = normalize_uid(args.uid, args.format or settings.reader.uid_format)
    engine = open_replica(settings.db.path, create=False)
    try:
        recorder = Recorder(engine, settings.station.id)
        with engine.connect() as conn:
            site = recorder.sites.get(conn)
        at = parse_instant(args.at, site.timezone)
        lang = args.lang or settings.station.language
        if args.command == "pass":
            recorded = recorder.badge(uid, at)
            decision, passage_id = recorded.decision, recorded.passage_id
        else:
            decision, passage_id = recorder.check(uid, at), None
    finally:
        engine.dispose()
    if args.json:
        out = decision.to_json(lang)
        if passage_id:
            out["passage_id"] = passage_id
        print(json.dumps(out, ensure_ascii=False))
    else:
        mark = "ACCEPTED" if decision.accepted else "REFUSED"
        who = decision.person.display_name if decision.person else uid
        line = f"{mark} {decision.reason}: {decision.message(lang)} — {who}"
        if decision.balance_after_cents is not None:
            line += f" (price {decision.price_cents} c, balance {decision.balance_after_cents} c)"
        print(line)
        for w in decision.warning_messages(lang):
            print(f"  warning: {w}")
    return 0 if decision.accepted else 1
