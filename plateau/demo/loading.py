"""Loading the demo school into the central server the way a school would.

`plateau admin` commands create the site, its policy settings, the lunch service, the tariffs,
the staff (PINs typed on stdin) and the two stations' tokens; `plateau import calendar` reads
the official school calendar. The pupils, adults, cards, balances, bookings and oppositions of
the generated school (`DemoSchool.changes`) go through the server's store (`seed_changes`),
the same code path the importers end in, so the change feed is filled exactly as by real writes.
Runs on the conductor's main thread, before the server starts.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import io
import sys
from pathlib import Path

from plateau.demo.school import CALENDAR_CSV, DemoSchool

DEMO_PINS = {"staff": "1234", "manager": "2468", "admin": "9999"}
_BY_ADMIN = {"site", "service", "tariff", "staff", "closure"}


def plateau_in_process(*argv: str, stdin: str = "") -> str:
    """Run one `plateau` command in this process (same parser and `run` as the console script)
    and return what it printed; a failure raises with its message."""
    from plateau.cli import COMMANDS

    module = importlib.import_module(COMMANDS[argv[0]][0])
    parser = argparse.ArgumentParser(prog=f"plateau {argv[0]}")
    module.add_arguments(parser, argv[0])
    args = parser.parse_args(list(argv[1:]))
    args.debug, args.command = False, argv[0]
    out, old_stdin = io.StringIO(), sys.stdin
    sys.stdin = io.StringIO(stdin)
    try:
        with contextlib.redirect_stdout(out):
            code = int(module.run(args) or 0)
    finally:
        sys.stdin = old_stdin
    if code:
        raise RuntimeError(f"plateau {' '.join(argv)} exited {code}: {out.getvalue().strip()}")
    return out.getvalue()


# the office's demo sign-ins (one per role), printed by `plateau demo`: demo passwords, never real ones
DEMO_OFFICE_USERS = {role: (f"{role.replace('_', '.')}@demo.plateau.test", f"demo-{role.replace('_', '-')}-2026")
                     for role in ("admin", "gestionnaire", "vie_scolaire", "cuisine")}


def load_school(db: Path, school: DemoSchool, stations: tuple[str, ...], say=print) -> dict[str, str]:
    """Fill the server database `db` (SQLite path) with the school; return {station id: token}."""
    url = str(db)
    site = school.of_kind("site")[0]
    uai = site["code"]
    say(f"  plateau admin site add {uai} --name {site['name']!r}")
    plateau_in_process("admin", "--db", url, "site", "add", uai, "--name", site["name"], "--timezone",
                       site["timezone"], "--zone", site["zone"])
    plateau_in_process("admin", "--db", url, "site", "set", uai,
                       *(f"{k}={v}" for k, v in sorted(site["settings"].items())))
    for svc in school.of_kind("service"):
        say(f"  plateau admin service add {uai} {svc['code']} --start {svc['start']} --end {svc['end']}")
        plateau_in_process("admin", "--db", url, "service", "add", uai, svc["code"], "--label", svc["label"],
                           "--start", svc["start"], "--end", svc["end"], "--days", svc["weekdays"])
    for t in school.of_kind("tariff"):
        plateau_in_process("admin", "--db", url, "tariff", "add", uai, t["category"], "--price-cents",
                           str(t["price_cents"]), "--label", t["label"])
    say(f"  plateau admin tariff add ... ({len(school.of_kind('tariff'))} tariffs)")
    for s in school.of_kind("staff"):
        plateau_in_process("admin", "--db", url, "staff", "add", uai, s["name"], "--role", s["role"],
                           "--pin-stdin", stdin=DEMO_PINS[s["role"]] + "\n")
    say(f"  plateau admin staff add ... (PINs {', '.join(f'{r} {p}' for r, p in DEMO_PINS.items())})")
    for role, (email, password) in DEMO_OFFICE_USERS.items():
        plateau_in_process("admin", "--db", url, "user", "add", email, "--name", f"Démo {role}", "--role", role,
                           "--site", uai, "--password-stdin", stdin=password + "\n")
    say(f"  plateau admin user add ... ({len(DEMO_OFFICE_USERS)} office users, one per role)")
    say(f"  plateau import calendar {CALENDAR_CSV.name}")
    plateau_in_process("import", "calendar", str(CALENDAR_CSV), "--db", url, "--site", uai)
    rest = [(k, d) for k, d in school.changes if k not in _BY_ADMIN]
    _seed(url, rest, uai)
    counts = {k: sum(1 for kind, _ in rest if kind == k) for k in dict.fromkeys(k for k, _ in rest)}
    say("  store: " + ", ".join(f"{n} {k}" for k, n in counts.items()))
    _families(url, school, uai, say)
    tokens = {}
    for station in stations:
        out = plateau_in_process("admin", "--db", url, "station", "add", uai, station)
        tokens[station] = out.strip().splitlines()[-1].strip()
        say(f"  plateau admin station add {uai} {station}")
    return tokens


def _families(url: str, school: DemoSchool, uai: str, say) -> None:
    """Guardians through `plateau import guardians`, the demo family's password, and online
    top-ups through eopayment's dummy backend."""
    from plateau.demo.families import DEMO_FAMILY_EMAIL, DEMO_FAMILY_PASSWORD, guardians_csv

    path = Path(url).with_name("guardians.csv")
    path.write_text(guardians_csv(school), encoding="utf-8")
    say(f"  plateau import guardians {path.name}")
    plateau_in_process("import", "guardians", str(path), "--db", url, "--site", uai)
    plateau_in_process("admin", "--db", url, "family", "set-password", DEMO_FAMILY_EMAIL, "--password-stdin",
                       stdin=DEMO_FAMILY_PASSWORD + "\n")
    plateau_in_process("admin", "--db", url, "family", "payment", uai, "dummy", "origin=Plateau demo")
    say(f"  plateau admin family set-password {DEMO_FAMILY_EMAIL}; family payment {uai} dummy")
    _messages(url, school, uai, say)


def _messages(url: str, school: DemoSchool, uai: str, say) -> None:
    """The school's messages to families, written as the office's gestionnaire would (the same
    rules and audit line as the office's Messages page), dated around the real today: the
    portal runs on the real clock."""
    from zoneinfo import ZoneInfo

    from sqlalchemy import select

    from plateau.demo.families import demo_messages
    from plateau.server import audit, feed, store
    from plateau.server.db import Database, open_database
    from plateau.server.family import messages
    from plateau.server.office_models import OfficeUser

    db = Database(open_database(url))
    try:
        with db.write() as s:
            site = store.get_site(s, uai)
            author = s.execute(select(OfficeUser).where(
                OfficeUser.email == DEMO_OFFICE_USERS["gestionnaire"][0])).scalar_one()
            now = feed.now()
            drafts = demo_messages(school, now.astimezone(ZoneInfo(site.timezone)).date())
            for d in drafts:
                messages.save(s, site, messages.Draft(**d), actor=audit.office_actor(author.email),
                              author_id=author.id, author_name=author.name, now=now)
    finally:
        db.engine.dispose()
    say(f"  the office's Messages page: {len(drafts)} messages to families")


def _seed(url: str, changes, uai: str) -> None:
    from plateau.server.db import Database, open_database
    from plateau.server.seed import seed_changes

    db = Database(open_database(url))
    try:
        with db.write() as session:
            seed_changes(session, changes, site_code=uai)
    finally:
        db.engine.dispose()
