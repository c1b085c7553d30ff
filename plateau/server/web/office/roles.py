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
    "cards": frozenset({"admin", "gestionnaire"}),                    # enrol, declare lost
    "reservations": frozenset({"admin", "gestionnaire"}),             # book / cancel (past the cutoff too)
    "oppositions": frozenset({"admin", "gestionnaire", "vie_scolaire"}),
    "imports": frozenset({"admin", "gestionnaire"}),                  # every kind of import
    "import_oppositions": frozenset({"admin", "gestionnaire", "vie_scolaire"}),  # PRONOTE-style absences
    "menus": frozenset({"admin", "gestionnaire", "cuisine"}),          # the week's menus
    "messages": frozenset({"admin", "gestionnaire", "vie_scolaire"}),  # messages to families
    "settings": frozenset({"admin", "gestionnaire"}),                 # services, tariffs, rules, closures
    "stations": frozenset({"admin"}),                                 # stations and kiosk staff
    "audit": frozenset({"admin"}),
}

# The permission an import of each kind needs (the others: "imports").
IMPORT_PERMISSION = {"oppositions": "import_oppositions"}

# Every page and form of the office with the permission it needs and, for a form, what it posts
# besides its CSRF token ({person} is any person of the user's site). The tests request each one
# as each role: 403 exactly where the role lacks the permission.
PAGES: tuple[tuple[str, str, str, dict], ...] = (
    ("GET", "/office/", "today", {}),
    ("GET", "/office/today/live", "today", {}),
    ("GET", "/office/reports", "reports", {}),
    ("GET", "/office/reports/daily.csv", "reports", {}),
    ("GET", "/office/persons", "persons", {}),
    ("GET", "/office/persons/{person}", "persons", {}),
    ("POST", "/office/persons/{person}/payments", "payments", {}),
    ("POST", "/office/persons/{person}/passages/none/refund", "payments", {}),
    ("POST", "/office/persons/{person}/oppositions", "oppositions", {}),
    ("POST", "/office/persons/{person}/cards", "cards", {}),
    ("POST", "/office/persons/{person}/phone-badge/off", "cards", {}),
    ("POST", "/office/persons/{person}/reservations", "reservations", {}),
    ("GET", "/office/bookings", "reservations", {}),
    ("POST", "/office/bookings", "reservations", {}),
    ("GET", "/office/oppositions", "oppositions", {}),
    ("GET", "/office/imports", "import_oppositions", {}),
    ("POST", "/office/imports/preview", "imports", {"kind": "persons"}),
    ("POST", "/office/imports/preview", "import_oppositions", {"kind": "oppositions"}),
    ("GET", "/office/menus", "menus", {}),
    ("POST", "/office/menus", "menus", {}),
    ("GET", "/office/messages", "messages", {}),
    ("GET", "/office/messages/new", "messages", {}),
    ("POST", "/office/messages", "messages", {}),
    ("GET", "/office/settings", "settings", {}),
    ("POST", "/office/settings/policy", "settings", {"key": "no_such_setting", "value": "1"}),
    ("GET", "/office/stations", "stations", {}),
    ("GET", "/office/staff", "stations", {}),
    ("POST", "/office/staff", "stations", {}),
    ("POST", "/office/stations", "stations", {"station": "Not A Valid Id"}),
    ("GET", "/office/audit", "audit", {}),
)

LABELS = {"admin": "Administrator", "gestionnaire": "Bursar", "vie_scolaire": "Pupil life", "cuisine": "Kitchen"}


def allowed(role: str, permission: str) -> bool:
    return role in PERMISSIONS[permission]


def import_permission(kind: str) -> str:
    return IMPORT_PERMISSION.get(kind, "imports")
