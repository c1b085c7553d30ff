"""Writes to replicated data: every helper changes rows AND emits their feed items.

This is the service layer that the HTTP routes, `plateau admin`, imports and seeding call
inside one unit of work (`Database.write()`), e.g.::

    with db.write() as s:
        site = store.get_site(s, "0691234X")
        person = store.upsert_person(s, site, external_id="123456", last_name="DUPONT", first_name="Léa",
                                     category="eleve", plan="forfait", forfait_days="mon,tue,thu,fri")
        store.upsert_card(s, site, "04A1B2C3", person.id)

Each helper validates its input and raises `StoreError` (a message for a person), emits a
change only when the wire data really changed (re-imports do not churn the feed), and never
commits: the caller's unit of work does. Money goes through `plateau.server.ledger`. Each
write helper first takes the site lock (`feed.lock_site`), so concurrent writers of a site
serialise before they read what they then write (no unique-constraint races). What happens on
given days (reservations, oppositions, closures, menus) is in `store_days`, which imports this
module; what both check is in `store_checks`.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from plateau.domain.policy import PolicyError, policy_from_settings, validate_setting
from plateau.domain.services import format_weekdays, parse_weekdays, service_code
from plateau.server import feed, ledger, trust
from plateau.server import models as m
from plateau.server.store_checks import NotFound, StoreError, check_text, emit_if_changed
from plateau.server.wording import Said

__all__ = ["NotFound", "StoreError"]  # re-exported: callers catch `store.StoreError`

UAI = re.compile(r"^[0-9]{7}[A-Z]$")
CODE = re.compile(r"^[a-z0-9][a-z0-9_-]{0,31}$")
HHMM = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")
PLANS = ("ticket", "forfait", "reservation", "none")
PERSON_STATUSES = ("active", "archived")
CARD_STATUSES = ("active", "lost", "blocked")
ROLES = ("staff", "manager", "admin")


# --- sites ------------------------------------------------------------------------------------

def get_site(session: Session, code: str) -> m.Site:
    site = session.execute(select(m.Site).where(m.Site.code == code)).scalar_one_or_none()
    if site is None:
        raise NotFound(f"no site {code!r}")
    return site


def check_timezone(tz: str) -> str:
    try:
        ZoneInfo(tz)
    except (ZoneInfoNotFoundError, ValueError):
        raise StoreError(f"unknown time zone {tz!r} (use an IANA name such as Europe/Paris)") from None
    return tz


def create_site(session: Session, code: str, name: str, timezone: str = "Europe/Paris",
                zone: str | None = None, settings: dict | None = None) -> m.Site:
    code = check_text("UAI", code, 16).upper()
    if not UAI.match(code):
        raise StoreError(f"{code!r} is not a UAI code (7 digits and a letter, e.g. 0691234X)")
    if session.execute(select(m.Site.id).where(m.Site.code == code)).first():
        raise StoreError(f"site {code} already exists")
    site = m.Site(code=code, name=check_text("name", name, 200), timezone=check_timezone(timezone),
                  zone=check_text("zone", zone, 64, required=False), settings={}, feed_seq=0, created_at=feed.now())
    session.add(site)
    session.flush()
    if settings:
        return set_settings(session, site, settings)
    feed.emit(session, site.id, "site", "upsert", feed.site_data(site))
    return site


def update_site(session: Session, site: m.Site, *, name: str | None = None, timezone: str | None = None,
                zone: str | None = None) -> m.Site:
    feed.lock_site(session, site.id)
    before = feed.site_data(site)
    if name is not None:
        site.name = check_text("name", name, 200)
    if timezone is not None:
        site.timezone = check_timezone(timezone)
    if zone is not None:
        site.zone = check_text("zone", zone, 64, required=False)
    session.flush()
    emit_if_changed(session, site.id, "site", feed.site_data(site), before)
    return site


def set_settings(session: Session, site: m.Site, pairs: dict, *, remove: tuple[str, ...] = ()) -> m.Site:
    """Set (and remove) policy settings; each value is validated, then the whole map."""
    feed.lock_site(session, site.id)
    before = feed.site_data(site)
    merged = dict(site.settings or {})
    try:
        for key, value in pairs.items():
            validate_setting(key, value)
            merged[key] = str(value).strip()
        for key in remove:
            merged.pop(key, None)
        policy_from_settings(merged)
    except PolicyError as exc:
        raise StoreError(Said(exc.code, **exc.params) if exc.code else str(exc)) from None
    site.settings = merged
    session.flush()
    emit_if_changed(session, site.id, "site", feed.site_data(site), before)
    return site


# --- services and tariffs ---------------------------------------------------------------------

def get_service(session: Session, site: m.Site, code: str) -> m.Service:
    code = service_code(code)  # "DEJ" is "dej": capitals come from other systems' files
    svc = session.execute(select(m.Service).where(m.Service.site_id == site.id, m.Service.code == code)
                          ).scalar_one_or_none()
    if svc is None:
        raise NotFound(Said("service_not_at_site", service=code, site=site.code))
    return svc


def upsert_service(session: Session, site: m.Site, code: str, label: str, start: str, end: str,
                   weekdays: str = "mon,tue,wed,thu,fri") -> m.Service:
    feed.lock_site(session, site.id)
    code = service_code(check_text("service code", code, 32))
    if not CODE.match(code):
        raise StoreError(Said("service_code_bad", service=code))
    for name, value in (("start", start), ("end", end)):
        if not isinstance(value, str) or not HHMM.match(value):
            raise StoreError(Said("service_time_bad", name=name, value=value if isinstance(value, str) else str(value)))
    if end <= start:
        raise StoreError(Said("service_ends_before_start", start=start, end=end))
    try:
        days = format_weekdays(parse_weekdays(weekdays))
    except ValueError as exc:
        raise StoreError(f"weekdays: {exc}") from None
    svc = session.execute(select(m.Service).where(m.Service.site_id == site.id, m.Service.code == code)
                          ).scalar_one_or_none()
    before = feed.service_data(svc) if svc else None
    if svc is None:
        svc = m.Service(site_id=site.id, code=code)
        session.add(svc)
    svc.label, svc.start, svc.end, svc.weekdays = check_text("label", label, 100), start, end, days
    session.flush()
    emit_if_changed(session, site.id, "service", feed.service_data(svc), before)
    return svc


def upsert_tariff(session: Session, site: m.Site, category: str, price_cents: int,
                  label: str | None = None) -> m.Tariff:
    feed.lock_site(session, site.id)
    category = check_text("category", category, 40)
    if not isinstance(price_cents, int) or not 0 <= price_cents <= 100_000:
        raise StoreError(Said("price_out_of_range", price=price_cents if isinstance(price_cents, int) else str(price_cents)))
    t = session.execute(select(m.Tariff).where(m.Tariff.site_id == site.id, m.Tariff.category == category)
                        ).scalar_one_or_none()
    before = feed.tariff_data(t) if t else None
    if t is None:
        t = m.Tariff(site_id=site.id, category=category)
        session.add(t)
    t.price_cents, t.label = price_cents, check_text("label", label, 100, required=False)
    session.flush()
    trust.record_tariff(session, site.id, category, price_cents)
    emit_if_changed(session, site.id, "tariff", feed.tariff_data(t), before)
    return t


def price_of(session: Session, site: m.Site, category: str) -> int:
    """The tariff of a category, else the `default` tariff, else 0 (as the station prices it)."""
    rows = dict(session.execute(select(m.Tariff.category, m.Tariff.price_cents).where(
        m.Tariff.site_id == site.id, m.Tariff.category.in_([category, "default"]))).all())
    return rows.get(category, rows.get("default", 0))


# --- persons and cards ------------------------------------------------------------------------

def get_person(session: Session, site: m.Site | None, person_id: int) -> m.Person:
    person = session.get(m.Person, person_id) if isinstance(person_id, int) and 0 < person_id < 2**31 else None
    if person is None or (site is not None and person.site_id != site.id):
        raise NotFound(f"no person {person_id}" + (f" at site {site.code}" if site else ""))
    return person


def find_person(session: Session, site: m.Site, ref: str) -> m.Person | None:
    """A person named by an import: external id first, then INE."""
    for column in (m.Person.external_id, m.Person.ine):
        p = session.execute(select(m.Person).where(m.Person.site_id == site.id, column == ref)).scalars().first()
        if p is not None:
            return p
    return None


_PERSON_FIELDS = ("external_id", "ine", "last_name", "first_name", "class_name", "category", "regime", "plan",
                  "forfait_days", "status", "arrival_date", "leaving_date", "photo", "no_class")


def upsert_person(session: Session, site: m.Site, *, id: int | None = None, **fields) -> m.Person:
    """Create or update a person, found by `id`, else by `external_id` (within the site).
    Only the fields given change; see `_PERSON_FIELDS`."""
    feed.lock_site(session, site.id)
    unknown = set(fields) - set(_PERSON_FIELDS)
    if unknown:
        raise StoreError(f"unknown person field(s): {', '.join(sorted(unknown))}")
    person = None
    if id is not None:
        person = session.get(m.Person, id)
        if person is not None and person.site_id != site.id:
            raise StoreError(f"person {id} belongs to another site")
    elif fields.get("external_id"):
        person = session.execute(select(m.Person).where(
            m.Person.site_id == site.id, m.Person.external_id == fields["external_id"])).scalar_one_or_none()
    before = feed.person_data(person) if person else None
    if person is None:
        person = m.Person(site_id=site.id, category="eleve", plan="ticket", status="active", no_class=False)
        if id is not None:
            person.id = id
        session.add(person)
    for name, value in fields.items():
        setattr(person, name, _person_value(name, value))
    if not person.last_name or not person.first_name:
        raise StoreError(Said("person_needs_names"))
    if person.plan == "forfait" and not person.forfait_days:
        person.forfait_days = "mon,tue,thu,fri"
    person.updated_at = feed.now()
    session.flush()
    if id is not None and session.get_bind().dialect.name == "postgresql":
        # explicit ids (seeding) must not collide with the ids the sequence hands out later
        session.execute(text("SELECT setval(pg_get_serial_sequence('person', 'id'), "
                             "GREATEST((SELECT MAX(id) FROM person), 1))"))
    data = feed.person_data(person)
    emit_if_changed(session, site.id, "person", data, before)
    return person


def _person_value(name: str, value):
    limits = {"external_id": 64, "ine": 16, "last_name": 100, "first_name": 100, "class_name": 40,
              "category": 40, "regime": 8, "photo": 200}
    if name in limits:
        return check_text(name, value, limits[name], required=name in ("last_name", "first_name", "category"))
    if name == "plan":
        if value not in PLANS:
            raise StoreError(Said("person_plan_bad", plans=", ".join(PLANS), value=str(value)))
        return value
    if name == "status":
        if value not in PERSON_STATUSES:
            raise StoreError(Said("person_status_bad", value=str(value)))
        return value
    if name == "forfait_days":
        if value in (None, ""):
            return None
        try:
            return format_weekdays(parse_weekdays(value))
        except ValueError as exc:
            raise StoreError(f"forfait days: {exc}") from None
    if name in ("arrival_date", "leaving_date"):
        if value is None or isinstance(value, date):
            return value
        try:
            return date.fromisoformat(value)
        except (TypeError, ValueError):
            raise StoreError(Said("person_date_bad", name=name, value=str(value))) from None
    if name == "no_class":
        return bool(value)
    return value


def upsert_card(session: Session, site: m.Site, uid: str, person_id: int, status: str = "active") -> m.Card:
    """Give the canonical `uid` to a person (moving it from its previous holder at the site)."""
    feed.lock_site(session, site.id)
    uid = check_text("uid", uid, 32).upper()
    if not re.fullmatch(r"[0-9A-F]{2,32}", uid):
        raise StoreError(Said("card_uid_bad", uid=str(uid)))
    if status not in CARD_STATUSES:
        raise StoreError(f"card status must be one of {', '.join(CARD_STATUSES)}, got {status!r}")
    get_person(session, site, person_id)
    card = session.execute(select(m.Card).where(m.Card.site_id == site.id, m.Card.uid == uid)).scalar_one_or_none()
    before = feed.card_data(card) if card else None
    if card is None:
        card = m.Card(site_id=site.id, uid=uid)
        session.add(card)
    card.person_id, card.status = person_id, status
    session.flush()
    emit_if_changed(session, site.id, "card", feed.card_data(card), before)
    return card


# --- staff and payments ----------------------------------------------------------------------

def upsert_staff(session: Session, site: m.Site, name: str, role: str, pin_hash: str, *, id: int | None = None,
                 badge_uid: str | None = None, active: bool = True) -> m.Staff:
    feed.lock_site(session, site.id)
    if role not in ROLES:
        raise StoreError(Said("staff_role_bad", roles=", ".join(ROLES), value=str(role)))
    st = session.get(m.Staff, id) if id is not None else None
    if st is not None and st.site_id != site.id:
        raise StoreError(f"staff {id} belongs to another site")
    before = feed.staff_data(st) if st else None
    if st is None:
        st = m.Staff(site_id=site.id)
        if id is not None:
            st.id = id
        session.add(st)
    st.name, st.role, st.pin_hash = check_text("name", name, 100), role, check_text("pin hash", pin_hash, 200)
    st.badge_uid, st.active = check_text("badge uid", badge_uid, 32, required=False), bool(active)
    session.flush()
    if id is not None and session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT setval(pg_get_serial_sequence('staff', 'id'), "
                             "GREATEST((SELECT MAX(id) FROM staff), 1))"))
    emit_if_changed(session, site.id, "staff", feed.staff_data(st), before)
    return st


def record_payment(session: Session, site: m.Site, person_id: int, amount_cents: int, reference: str,
                   label: str = "", at: datetime | None = None) -> m.LedgerEntry | None:
    """Credit a payment, idempotent by its reference; None when the reference was already credited."""
    get_person(session, site, person_id)
    reference = check_text("reference", reference, 100)
    if not isinstance(amount_cents, int) or amount_cents == 0:
        raise StoreError(Said("payment_amount_zero"))
    try:
        return ledger.post(session, site.id, person_id, amount_cents, "payment", reference, label=label, at=at)
    except ledger.LedgerError as exc:
        raise StoreError(str(exc)) from None
