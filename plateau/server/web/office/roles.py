"""What each office role may see and do: the table the pages check, the docs show and the tests
iterate over (docs/office.md). A permission not granted is a 403, never a hidden link only."""

from __future__ import annotations

ROLES = ("admin", "gestionnaire", "vie_scolaire", "cuisine")

ALL = frozenset(ROLES)

# permission -> the roles that have it
PERMISSIONS: dict[str, frozenset[str]] = {
    "today": ALL,                                                   # live headcounts, stations' state
    "reports": ALL,                                                 # PDF / CSV headcounts, forecast
    "persons": frozenset({"admin", "gestionnaire", "vie_scolaire"}),  # list, person page (no money)
    "balances": frozenset({"admin", "gestionnaire"}),                 # balances and movements
    "payments": frozenset({"admin", "gestionnaire"}),                 # desk payments
    "oppositions": frozenset({"admin", "gestionnaire", "vie_scolaire"}),
    "imports": frozenset({"admin", "gestionnaire"}),
    "stations": frozenset({"admin"}),
    "audit": frozenset({"admin"}),
}

# Every page and form of the office with the permission it needs ({person} is any person of the
# user's site). The tests request each one as each role: 403 exactly where the role lacks it.
PAGES: tuple[tuple[str, str, str], ...] = (
    ("GET", "/office/", "today"),
    ("GET", "/office/today/live", "today"),
    ("GET", "/office/reports", "reports"),
    ("GET", "/office/reports/daily.csv", "reports"),
    ("GET", "/office/persons", "persons"),
    ("GET", "/office/persons/{person}", "persons"),
    ("POST", "/office/persons/{person}/payments", "payments"),
    ("POST", "/office/persons/{person}/oppositions", "oppositions"),
    ("GET", "/office/imports", "imports"),
    ("POST", "/office/imports/preview", "imports"),
    ("GET", "/office/stations", "stations"),
    ("GET", "/office/audit", "audit"),
)

LABELS = {"admin": "Administrateur", "gestionnaire": "Gestionnaire", "vie_scolaire": "Vie scolaire",
          "cuisine": "Cuisine"}


def allowed(role: str, permission: str) -> bool:
    return role in PERMISSIONS[permission]
