"""`plateau admin user ...`: office users (add, list, disable, set-password).

Passwords are read from standard input (one line), never from the command line where `ps` and
the shell history would show them. Every change is in the audit log (actor `cli`).
"""

from __future__ import annotations

import sys

from plateau.errors import UserError
from plateau.server import accounts, audit
from plateau.server.web.office.roles import ROLES


def add_parsers(groups, parser_class) -> None:
    user = groups.add_parser("user", help="office users (the web back office)").add_subparsers(
        dest="action", required=True, parser_class=parser_class)
    p = user.add_parser("add", help="create an office user; the password is read from stdin")
    p.add_argument("email")
    p.add_argument("--name", required=True)
    p.add_argument("--role", choices=ROLES, required=True)
    p.add_argument("--site", action="append", required=True, metavar="UAI", help="a site it may see (repeat)")
    p.add_argument("--password-stdin", action="store_true", required=True, help="read the password from stdin")
    p = user.add_parser("list", help="list the office users")
    p.add_argument("--site", default=None, metavar="UAI", help="only the users of this site")
    p = user.add_parser("disable", help="disable an office user (signs it out everywhere)")
    p.add_argument("email")
    p = user.add_parser("set-password", help="change a user's password (read from stdin)")
    p.add_argument("email")
    p.add_argument("--password-stdin", action="store_true", required=True, help="read the password from stdin")


def _password() -> str:
    password = sys.stdin.readline().rstrip("\r\n")
    if not password:
        raise UserError("no password on stdin")
    return password


def _add(db, a) -> None:
    password = _password()
    with db.write() as s:
        user = accounts.add_user(s, audit.CLI, a.email, a.name, a.role, a.site, password)
        email, role = user.email, user.role
    print(f"office user {email} ({role}) created for {', '.join(sorted({c.upper() for c in a.site}))}")


def _list(db, a) -> None:
    with db.read() as s:
        for user, sites in accounts.list_users(s, a.site):
            state = "active" if user.active else "disabled"
            print(f"{user.email}\t{user.name}\t{user.role}\t{','.join(sites)}\t{state}")


def _disable(db, a) -> None:
    with db.write() as s:
        user = accounts.disable_user(s, audit.CLI, a.email)
        email = user.email
    print(f"office user {email} disabled")


def _set_password(db, a) -> None:
    password = _password()
    with db.write() as s:
        user = accounts.set_password(s, audit.CLI, a.email, password)
        email = user.email
    print(f"password of {email} changed")


HANDLERS = {("user", "add"): _add, ("user", "list"): _list, ("user", "disable"): _disable,
            ("user", "set-password"): _set_password}
