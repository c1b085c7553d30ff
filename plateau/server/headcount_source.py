"""Building `plateau.reports.headcount.DayData` for one site and day from the server's tables.

The server holds the passages of every station of the site, so its headcount is the site's
complete one. Reads only; runs on a request thread (or a `plateau report` process).
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from plateau.domain.policy import policy_from_settings
from plateau.domain.services import ServiceInfo, parse_hhmm, parse_weekdays
from plateau.reports.headcount import DayData, compute
from plateau.server import feed, store
from plateau.server import models as m


def _columns(model):
    return select(*model.__table__.c)


def load_day(session: Session, site_code: str, day: date) -> DayData:
    site = store.get_site(session, site_code)
    tz = ZoneInfo(site.timezone)
    start = datetime.combine(day, time(0), tz)
    end = datetime.combine(day + timedelta(days=1), time(0), tz)
    services = [ServiceInfo(s.code, s.label, parse_hhmm(s.start), parse_hhmm(s.end), parse_weekdays(s.weekdays))
                for s in session.execute(select(m.Service).where(m.Service.site_id == site.id)
                                         .order_by(m.Service.start)).scalars()]
    # plain rows (attribute access like the models, without the ORM's per-object bookkeeping,
    # which was most of the cost for a 3,000-person site: the office's Today page reads this)
    persons = {p.id: feed.person_data(p) for p in session.execute(
        _columns(m.Person).where(m.Person.site_id == site.id))}
    reservations = [feed.reservation_data(r) for r in session.execute(
        _columns(m.Reservation).where(m.Reservation.site_id == site.id, m.Reservation.date == day))]
    oppositions = [feed.opposition_data(o) for o in session.execute(
        _columns(m.Opposition).where(m.Opposition.site_id == site.id, m.Opposition.starts_at < end,
                                     m.Opposition.ends_at > start))]
    closures = [feed.closure_data(c) for c in session.execute(
        _columns(m.Closure).where(m.Closure.site_id == site.id, m.Closure.first_day <= day,
                                  m.Closure.last_day >= day))]
    passages = [feed.passage_data(p) for p in session.execute(
        _columns(m.Passage).where(m.Passage.site_id == site.id, m.Passage.local_date == day)
        .order_by(m.Passage.at))]
    staff = dict(session.execute(select(m.Staff.id, m.Staff.name).where(m.Staff.site_id == site.id)).all())
    return DayData(site_code=site.code, site_name=site.name, timezone=site.timezone, day=day, services=services,
                   policy=policy_from_settings(site.settings or {}), persons=persons, reservations=reservations,
                   oppositions=oppositions, closures=closures, passages=passages, staff=staff)


def person_doubles(session: Session, site: m.Site, person: m.Person, days: set[date]) -> dict[str, dict]:
    """The passages of `person` on `days` that are part of a double passage (served more times in
    a service than their category allows), by id -> the entry's passage row (`extra`: the one(s)
    beyond the allowance). The same `compute` as the headcount, over this person's passages only."""
    if not days:
        return {}
    rows = [feed.passage_data(p) for p in session.execute(
        _columns(m.Passage).where(m.Passage.site_id == site.id, m.Passage.person_id == person.id,
                                  m.Passage.local_date.in_(sorted(days))))]
    policy = policy_from_settings(site.settings or {})
    who = {person.id: feed.person_data(person)}
    out: dict[str, dict] = {}
    for day in days:
        data = DayData(site_code=site.code, site_name=site.name, timezone=site.timezone, day=day, services=(),
                       policy=policy, persons=who, passages=[p for p in rows if p["local_date"] == day.isoformat()])
        for sh in compute(data).services:
            for entry in sh.doubles:
                out.update({p["passage_id"]: p for p in entry["passages"]})
    return out


def refunded_passages(session: Session, site_id: int, passage_ids) -> frozenset[str]:
    """Which of these passages (extra ones of doubles) the office already refunded: a `refund`
    ledger entry caused by the passage (`refund_double` on the person's page)."""
    ids = list(passage_ids)
    if not ids:
        return frozenset()
    return frozenset(session.execute(select(m.LedgerEntry.cause).where(
        m.LedgerEntry.site_id == site_id, m.LedgerEntry.kind == "refund",
        m.LedgerEntry.cause.in_(ids))).scalars())
