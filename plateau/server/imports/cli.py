"""`plateau import KIND FILE [--site CODE] [--db URL] [--format F] [--zone Z] [--json]`.

Prints the report: a summary line, then every error and note with its file line. Exits 0
when the import was applied, 2 when the file was refused (nothing changed).
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import date

from plateau.server.imports.report import ImportRejected
from plateau.server.imports.runner import KINDS


def add_arguments(parser: argparse.ArgumentParser, name: str = "import") -> None:
    parser.add_argument("kind", choices=KINDS, metavar="KIND", help=f"one of: {', '.join(KINDS)}")
    parser.add_argument("file", metavar="FILE", help="the file to import ('-' reads standard input)")
    parser.add_argument("--site", help="the site's UAI code (default: the only site of the database)")
    parser.add_argument("--db", help="database URL or SQLite path (default: plateau-server.db; "
                                     "PLATEAU_SERVER_DB overrides)")
    parser.add_argument("--format", help="cards: default UID spelling (hex, hex-reversed, decimal, "
                                         "decimal-reversed, em4100, wiegand26); calendar: csv or ics")
    parser.add_argument("--zone", help="calendar: the zone to import (default: the site's zone)")
    parser.add_argument("--population", help="calendar: population rows to use (default: Élèves)")
    parser.add_argument("--source", help="oppositions: default source (absence, unpaid, discipline, manual)")
    parser.add_argument("--archive-missing", action="store_true",
                        help="siecle: archive the pupils of earlier imports that this export no longer lists")
    parser.add_argument("--today", help=argparse.SUPPRESS)  # tests: the site's local date
    parser.add_argument("--json", action="store_true", help="print the report as JSON")


def _only_site(db) -> str:
    from sqlalchemy import select

    from plateau.server import models as m

    with db.read() as s:
        codes = list(s.execute(select(m.Site.code).order_by(m.Site.code)).scalars())
    if len(codes) == 1:
        return codes[0]
    if not codes:
        raise ImportRejected("the database has no site yet: plateau admin site add UAI --name ... first")
    raise ImportRejected(f"the database has several sites ({', '.join(codes)}): say which with --site")


def run(args: argparse.Namespace) -> int:
    from plateau.server.db import Database, open_database, require_existing
    from plateau.server.imports.runner import run_import
    from plateau.server.imports.source import read_file, read_limited

    data = read_limited(sys.stdin.buffer, args.kind) if args.file == "-" else read_file(args.file, args.kind)
    require_existing(args.db)  # an import needs a school set up: never into a new empty file
    db = Database(open_database(args.db))
    try:
        site = args.site.upper() if args.site else _only_site(db)
        options = {"format": args.format, "zone": args.zone, "population": args.population,
                   "source": args.source, "archive_missing": "1" if args.archive_missing else None}
        today = date.fromisoformat(args.today) if args.today else None
        report = run_import(db, site, args.kind, data, options, today=today)
        if report.applied:  # in the office's audit log too, as the CLI's
            from plateau.server import audit, store

            with db.write() as s:
                audit.record(s, audit.CLI, "import.apply", site_id=store.get_site(s, site).id,
                             target=f"import:{args.kind}", after={"kind": args.kind, "file": args.file,
                                                                  "summary": report.summary()})
    finally:
        db.engine.dispose()
    if args.json:
        print(json.dumps(report.to_json(), ensure_ascii=False, indent=2))
    else:
        print(report.to_text(), file=sys.stdout if report.ok else sys.stderr)
    return 0 if report.applied else 2
