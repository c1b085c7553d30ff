"""`plateau report`: headcount reports from a station's replica or the central server's database.

    plateau report daily    [--date D] [--format pdf|csv|json] [-o FILE]   the day's report (csv: passages)
    plateau report no-shows [--date D] [-o FILE]                           expected but not served (CSV)
    plateau report forecast [--date D] [--days N] [--format csv|json]      the kitchen's forecast from D
    plateau report week|month [--date D] [--format pdf|csv|json]           served per day and service

On a station (default) the data is the replica named by `--config` (or $PLATEAU_CONFIG); with
`--db URL` it is the server's database, for the site `--site UAI`. `-o -` writes to stdout.
"""

from __future__ import annotations

import argparse
import sys
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Callable
from zoneinfo import ZoneInfo

from plateau.errors import UserError
from plateau.reports.produce import FORMATS, MAX_FORECAST_DAYS, WHAT, Options, SessionSource, Source, build, \
    default_format


def add_arguments(parser: argparse.ArgumentParser, name: str = "report") -> None:
    parser.add_argument("what", choices=WHAT, help="daily report, no-shows, kitchen forecast, week or month view")
    parser.add_argument("--date", help="the day (YYYY-MM-DD; default: today at the site); for week/month, "
                                       "any day in it; for forecast, the first day (default: tomorrow)")
    parser.add_argument("--site", help="the school's UAI (required with --db when the server has several sites)")
    parser.add_argument("--format", help="pdf, csv or json (default: pdf for daily/week/month, csv otherwise)")
    parser.add_argument("-o", "--output", help="output file (default: a name from the report and date; - = stdout)")
    parser.add_argument("--days", type=int, default=7, help="forecast: number of days (default 7)")
    parser.add_argument("--lang", choices=("fr", "en"), default="fr", help="language of the PDF (default fr)")
    source = parser.add_mutually_exclusive_group()
    source.add_argument("--config", help="station configuration file (reads the station's replica)")
    source.add_argument("--db", help="server database URL (reads every station's passages on the server)")


def _parse_date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise UserError(f"bad date {text!r}: expected YYYY-MM-DD") from None


class _StationSource(Source):
    """The station's replica named by the configuration (read-only; the CLI's main thread)."""

    def __init__(self, config: str | None, site: str | None):
        from plateau.config import load_settings
        from plateau.db.engine import open_replica
        from plateau.db.queries import load_site

        settings = load_settings(config)
        self.engine = open_replica(settings.db.path, create=False)
        with self.engine.connect() as conn:
            info = load_site(conn)
        if site and site != info.code:
            raise UserError(f"this station serves site {info.code}, not {site}")
        self.timezone, self.site_code, self.site_name = info.timezone, info.code, info.name

    def days(self, first, last, passages=True):
        from plateau.reports.replica_source import load_days

        with self.engine.connect() as conn:
            return load_days(conn, first, last, passages=passages)

    def close(self):
        self.engine.dispose()


def _server_source(url: str, site: str | None) -> SessionSource:
    from sqlalchemy import select
    from sqlalchemy.orm import Session

    from plateau.server.db import open_database, require_existing
    from plateau.server.models import Site

    require_existing(url)  # a report only reads: never create an empty database
    engine = open_database(url)
    session = Session(engine)
    try:
        sites = session.scalars(select(Site)).all()
        if site is None:
            if len(sites) != 1:
                raise UserError(f"the server has {len(sites)} sites: choose one with --site UAI")
            chosen = sites[0]
        else:
            chosen = next((s for s in sites if s.code == site.upper()), None)
            if chosen is None:
                raise UserError(f"no site {site!r} on this server")
    except BaseException:
        session.close()
        engine.dispose()
        raise
    source = SessionSource(session, chosen.code, chosen.name, chosen.timezone)

    def close():
        session.close()
        engine.dispose()

    source.close = close
    return source


def open_source(args) -> Source:
    if args.db:
        return _server_source(args.db, args.site)
    return _StationSource(args.config, args.site)


def _write(data: bytes | Callable, output: str) -> None:
    if output == "-":
        if callable(data):
            raise UserError("a PDF cannot be written to the terminal: give a file with -o")
        sys.stdout.buffer.write(data)
        sys.stdout.flush()
        return
    path = Path(output)
    if not path.parent.is_dir():
        raise UserError(f"the folder for {output} does not exist")
    tmp = path.with_name(path.name + ".part")
    if callable(data):
        data(tmp)
    else:
        tmp.write_bytes(data)
    tmp.replace(path)  # a reader never sees half a report


def run(args) -> int:
    fmt = args.format or default_format(args.what)
    if fmt not in FORMATS[args.what]:
        raise UserError(f"{args.what} reports come as {' or '.join(FORMATS[args.what])}, not {fmt!r}")
    if args.what == "forecast" and not 1 <= args.days <= MAX_FORECAST_DAYS:
        raise UserError(f"--days must be between 1 and {MAX_FORECAST_DAYS}")
    given = _parse_date(args.date) if args.date else None
    source = open_source(args)
    try:
        today = datetime.now(ZoneInfo(source.timezone)).date()
        day = given or (today + timedelta(days=1) if args.what == "forecast" else today)
        data, name = build(args.what, fmt, source, day, Options(lang=args.lang, days=args.days, today=today))
    finally:
        source.close()
    output = args.output or name
    _write(data, output)
    if output != "-":
        print(output)
    return 0
