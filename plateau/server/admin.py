"""`plateau admin`: set up and administer the central server without touching the database.

Commands (docs/protocol.md): site add/set/list, service add, tariff add, station add/list/revoke/rejected,
token add/list/revoke, staff add/list, user add/list/disable/set-password (`admin_users.py`), feed
compact, family invite/set-password/payment (`family/admin_cli.py`), plus demo-seed. Every command opens the database given by
``--db`` (before or after the command words; default `plateau-server.db` here,
`PLATEAU_SERVER_DB` overrides) and upgrades its schema first. Only the commands that set up a
server (`site add`, `token add`, `demo-seed`) may create a new SQLite file; every other one refuses a
database that does not exist, instead of answering from an empty one made on the spot. A new token
is printed once, as the last line of stdout, and stored only as a hash.
Runs on the main thread of a short-lived process.
"""

from __future__ import annotations

import argparse
import sys

from sqlalchemy import select

from plateau.domain.pins import hash_pin
from plateau.errors import UserError
from plateau.server import audit, feed, station_tokens, store
from plateau.server import models as m
from plateau.server.db import Database, open_database, require_existing
from plateau.server.tokens import PREFIX_ADMIN, hash_token, new_token


DB_HELP = "database URL or SQLite path (default: plateau-server.db; PLATEAU_SERVER_DB overrides)"
# the commands that may create the database (the first steps of setting up a server)
CREATES = {("site", "add"), ("token", "add"), ("demo-seed", None)}


def _db_after_the_command(parser: argparse.ArgumentParser) -> None:
    """Accept `--db` after the command words too (`plateau admin site show UAI --db x.db`), as
    people type it. SUPPRESS: a leaf's --db is set only when given there, never reset to None."""
    subparsers = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    if not subparsers:
        parser.add_argument("--db", default=argparse.SUPPRESS, help=DB_HELP)
    for action in subparsers:
        for sub in action.choices.values():
            _db_after_the_command(sub)


def add_arguments(parser: argparse.ArgumentParser, name: str = "admin") -> None:
    parser.add_argument("--db", help=DB_HELP)
    groups = parser.add_subparsers(dest="group", metavar="GROUP", required=True,
                                   parser_class=type(parser))

    site = groups.add_parser("site", help="schools (sites)").add_subparsers(dest="action", required=True,
                                                                            parser_class=type(parser))
    p = site.add_parser("add", help="create a site")
    p.add_argument("uai")
    p.add_argument("--name", required=True)
    p.add_argument("--timezone", default="Europe/Paris")
    p.add_argument("--zone", default=None, help='holiday zone, e.g. "Zone A"')
    p = site.add_parser("set", help="set policy settings KEY=VALUE (and name/timezone/zone)")
    p.add_argument("uai")
    p.add_argument("pairs", nargs="*", metavar="KEY=VALUE")
    p.add_argument("--unset", action="append", default=[], metavar="KEY", help="remove a setting")
    site.add_parser("list", help="list the sites")
    p = site.add_parser("show", help="a site's settings, services, tariffs and stations")
    p.add_argument("uai")

    p = groups.add_parser("service", help="meal services").add_subparsers(dest="action", required=True,
                                                                          parser_class=type(parser))
    p = p.add_parser("add", help="create or update a service")
    p.add_argument("uai")
    p.add_argument("code")
    p.add_argument("--label", required=True)
    p.add_argument("--start", required=True, metavar="HH:MM")
    p.add_argument("--end", required=True, metavar="HH:MM")
    p.add_argument("--days", default="mon,tue,wed,thu,fri")

    p = groups.add_parser("tariff", help="prices").add_subparsers(dest="action", required=True,
                                                                  parser_class=type(parser))
    p = p.add_parser("add", help="create or update a category's price")
    p.add_argument("uai")
    p.add_argument("category")
    p.add_argument("--price-cents", type=int, required=True)
    p.add_argument("--label", default=None)

    station = groups.add_parser("station", help="stations and their tokens").add_subparsers(
        dest="action", required=True, parser_class=type(parser))
    p = station.add_parser("add", help="register a station; prints its token (last line)")
    p.add_argument("uai")
    p.add_argument("station_id")
    p = station.add_parser("rotate", help="issue a new token for a station (the old one stops working)")
    p.add_argument("uai")
    p.add_argument("station_id")
    p = station.add_parser("list", help="list a site's stations")
    p.add_argument("uai")
    p = station.add_parser("revoke", help="revoke a station's token")
    p.add_argument("uai")
    p.add_argument("station_id")
    p = station.add_parser("rejected", help="what the site's stations pushed that the server refused, newest first")
    p.add_argument("uai")
    p.add_argument("--limit", type=int, default=50)
    p.add_argument("--raw", action="store_true", help="also print each item as the station sent it")

    token = groups.add_parser("token", help="administration tokens").add_subparsers(
        dest="action", required=True, parser_class=type(parser))
    p = token.add_parser("add", help="create a token; prints it (last line)")
    p.add_argument("--admin", action="store_true", required=True, help="an administration token")
    p.add_argument("--label", default="")
    token.add_parser("list", help="list the tokens (never their value)")
    p = token.add_parser("revoke", help="revoke a token by its number")
    p.add_argument("token_id", type=int)

    staff = groups.add_parser("staff", help="canteen staff (PIN at the station)").add_subparsers(
        dest="action", required=True, parser_class=type(parser))
    p = staff.add_parser("add", help="add a staff member; the PIN is read from stdin")
    p.add_argument("uai")
    p.add_argument("name")
    p.add_argument("--role", choices=store.ROLES, required=True)
    p.add_argument("--pin-stdin", action="store_true", required=True, help="read the PIN from stdin")
    p.add_argument("--badge", default=None, help="the staff member's badge UID")
    p = staff.add_parser("list", help="list a site's staff")
    p.add_argument("uai")

    feedp = groups.add_parser("feed", help="the stations' change feed").add_subparsers(
        dest="action", required=True, parser_class=type(parser))
    feedp.add_parser("compact", help="drop feed items superseded by later ones (the server also does it)")

    from plateau.server.family import admin_cli as family_cli

    family_cli.add_parser(groups, type(parser))

    from plateau.server import admin_users

    admin_users.add_parsers(groups, type(parser))

    p = groups.add_parser("demo-seed", help="load the demo school (plateau.demo) into the server")
    p.add_argument("--pupils", type=int, default=650)
    _db_after_the_command(parser)


def run(args: argparse.Namespace) -> int:
    if (args.group, getattr(args, "action", None)) not in CREATES:
        require_existing(args.db)
    db = Database(open_database(args.db))
    try:
        key = (args.group, getattr(args, "action", None))
        if args.group == "family":
            from plateau.server.family.admin_cli import HANDLERS as family_handlers

            handler = family_handlers[key]
        else:
            from plateau.server.admin_users import HANDLERS as user_handlers

            handler = {**_HANDLERS, **user_handlers}[key]
        return handler(db, args) or 0
    finally:
        db.engine.dispose()


def _site_add(db: Database, a) -> None:
    with db.write() as s:
        site = store.create_site(s, a.uai, a.name, a.timezone, a.zone)
    print(f"site {site.code} created: {site.name} ({site.timezone}{', ' + site.zone if site.zone else ''})")


def _site_set(db: Database, a) -> None:
    pairs, meta = {}, {}
    for pair in a.pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key.strip():
            raise UserError(f"expected KEY=VALUE, got {pair!r}")
        key = key.strip()
        (meta if key in ("name", "timezone", "zone") else pairs)[key] = value.strip()
    if not pairs and not meta and not a.unset:
        raise UserError("nothing to set: give KEY=VALUE pairs or --unset KEY")
    with db.write() as s:
        site = store.get_site(s, a.uai.upper())
        if meta:
            store.update_site(s, site, **meta)
        store.set_settings(s, site, pairs, remove=tuple(a.unset))
        settings = dict(site.settings)
    for key in sorted(settings):
        print(f"{key}={settings[key]}")


def _site_list(db: Database, a) -> None:
    with db.read() as s:
        for site in s.execute(select(m.Site).order_by(m.Site.code)).scalars():
            print(f"{site.code}\t{site.name}\t{site.timezone}\t{site.zone or ''}")


def _site_show(db: Database, a) -> None:
    with db.read() as s:
        site = store.get_site(s, a.uai.upper())
        print(f"site {site.code}: {site.name} ({site.timezone}, {site.zone or 'no zone'}), feed at {site.feed_seq}")
        for key in sorted(site.settings or {}):
            print(f"  setting {key}={site.settings[key]}")
        for svc in s.execute(select(m.Service).where(m.Service.site_id == site.id)).scalars():
            print(f"  service {svc.code} {svc.start}-{svc.end} {svc.weekdays} ({svc.label})")
        for t in s.execute(select(m.Tariff).where(m.Tariff.site_id == site.id)).scalars():
            print(f"  tariff {t.category} {t.price_cents} cents")
        for st in s.execute(select(m.Station).where(m.Station.site_id == site.id)).scalars():
            print(f"  station {st.station_id}{' (revoked)' if st.revoked else ''}")


def _service_add(db: Database, a) -> None:
    with db.write() as s:
        svc = store.upsert_service(s, store.get_site(s, a.uai.upper()), a.code, a.label, a.start, a.end, a.days)
    print(f"service {svc.code} {svc.start}-{svc.end} {svc.weekdays}")


def _tariff_add(db: Database, a) -> None:
    with db.write() as s:
        t = store.upsert_tariff(s, store.get_site(s, a.uai.upper()), a.category, a.price_cents, a.label)
    print(f"tariff {t.category} {t.price_cents} cents")


def _station_add(db: Database, a, rotate: bool = False) -> None:
    # the same code path as the office's Stations page (station_tokens), audited with the CLI as actor
    with db.write() as s:
        site = store.get_site(s, a.uai.upper())
        token = (station_tokens.rotate if rotate else station_tokens.add)(s, site, a.station_id, audit.CLI)
    print(f"station {a.station_id} of site {a.uai.upper()}: its token (shown once, keep it in the station config):")
    print(token)


def _station_list(db: Database, a) -> None:
    with db.read() as s:
        site = store.get_site(s, a.uai.upper())
        for st in s.execute(select(m.Station).where(m.Station.site_id == site.id).order_by(m.Station.station_id)
                            ).scalars():
            print("\t".join([st.station_id, "revoked" if st.revoked else "active", *_station_state(st)]))


def _station_state(st: m.Station) -> list[str]:
    """What the station last said of itself (its telemetry, as the office's Today page shows it):
    its last contact (any sync request, or its last push), version, passages waiting and parked,
    reader and clock."""
    seen = st.last_contact
    out = [f"last contact {seen.isoformat(timespec='seconds') if seen else 'never'}"]
    if st.version:
        out.append(f"version {st.version}")
    if st.waiting is not None or st.parked is not None:
        out.append(f"waiting {st.waiting or 0} parked {st.parked or 0}")
    if st.reader_state:
        out.append(f"reader {st.reader_state}" + (f" ({st.reader_detail})" if st.reader_detail else ""))
    if st.clock_skew_seconds is not None:
        out.append(f"clock {st.clock_skew_seconds:+d} s")
    return out


def _station_revoke(db: Database, a) -> None:
    with db.write() as s:
        station_tokens.revoke(s, store.get_site(s, a.uai.upper()), a.station_id, audit.CLI)
    print(f"station {a.station_id} revoked")


def _station_rejected(db: Database, a) -> None:
    with db.read() as s:
        site = store.get_site(s, a.uai.upper())
        rows = s.execute(select(m.RejectedItem).where(m.RejectedItem.site_id == site.id)
                         .order_by(m.RejectedItem.id.desc()).limit(max(1, a.limit))).scalars()
        for r in rows:
            print(f"{r.received_at.isoformat(timespec='seconds')}\t{r.station}\t{r.item_kind}\t{r.item_id}\t"
                  f"{r.code}\t{r.reason}")
            if a.raw:
                print(f"\t{r.raw}")


def _token_add(db: Database, a) -> None:
    token = new_token(PREFIX_ADMIN)
    with db.write() as s:
        row = m.ApiToken(token_hash=hash_token(token), label=a.label[:100], is_admin=True, revoked=False,
                         created_at=feed.now())
        s.add(row)
        s.flush()
        number = row.id
    print(f"admin token {number} (shown once):")
    print(token)


def _token_list(db: Database, a) -> None:
    with db.read() as s:
        for t in s.execute(select(m.ApiToken).order_by(m.ApiToken.id)).scalars():
            print(f"{t.id}\t{'revoked' if t.revoked else 'active'}\t{t.created_at:%Y-%m-%d}\t{t.label}")


def _token_revoke(db: Database, a) -> None:
    with db.write() as s:
        t = s.get(m.ApiToken, a.token_id)
        if t is None:
            raise UserError(f"no token {a.token_id}")
        t.revoked = True
    print(f"token {a.token_id} revoked")


def _staff_add(db: Database, a) -> None:
    pin = sys.stdin.readline().strip()
    try:
        pin_hash = hash_pin(pin)  # the domain's rule (4 to 12 digits), as the docs and the kiosk's pad say
    except ValueError as exc:
        raise UserError(f"the PIN on stdin: {exc}") from None
    with db.write() as s:
        st = store.upsert_staff(s, store.get_site(s, a.uai.upper()), a.name, a.role, pin_hash,
                                badge_uid=a.badge)
        number = st.id
    print(f"staff {number}: {a.name} ({a.role})")


def _staff_list(db: Database, a) -> None:
    with db.read() as s:
        site = store.get_site(s, a.uai.upper())
        for st in s.execute(select(m.Staff).where(m.Staff.site_id == site.id).order_by(m.Staff.id)).scalars():
            print(f"{st.id}\t{st.name}\t{st.role}\t{'active' if st.active else 'inactive'}")


def _feed_compact(db: Database, a) -> None:
    from plateau.server.maintenance import compact_all

    for code, dropped in compact_all(db).items():
        print(f"{code}: {dropped} superseded feed items dropped")


def _demo_seed(db: Database, a) -> None:
    from plateau.demo.school import generate
    from plateau.server.seed import seed_changes

    school = generate(pupils=a.pupils)
    with db.write() as s:
        site = seed_changes(s, school.changes)
        code = site.code
    print(f"demo school loaded into site {code} ({len(school.persons)} persons)")


_HANDLERS = {
    ("site", "add"): _site_add, ("site", "set"): _site_set, ("site", "list"): _site_list,
    ("site", "show"): _site_show, ("service", "add"): _service_add, ("tariff", "add"): _tariff_add,
    ("station", "add"): _station_add, ("station", "rotate"): lambda db, a: _station_add(db, a, rotate=True),
    ("station", "list"): _station_list, ("station", "revoke"): _station_revoke,
    ("station", "rejected"): _station_rejected,
    ("token", "add"): _token_add, ("token", "list"): _token_list, ("token", "revoke"): _token_revoke,
    ("staff", "add"): _staff_add, ("staff", "list"): _staff_list, ("demo-seed", None): _demo_seed,
    ("feed", "compact"): _feed_compact,
}
