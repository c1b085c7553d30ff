"""Finding the persons an import names, in bulk (one query per site, not one per line)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from plateau.server import feed, store
from plateau.server import models as m
from plateau.server.wording import Said


class PersonIndex:
    """The site's persons by external id and by national id (INE), loaded once per import.

    Used inside the import's unit of work (one thread); `add` keeps it current as persons
    are created, so a later line of the same file can name them.
    """

    def __init__(self, persons: list[m.Person]):
        self.by_external: dict[str, m.Person] = {}
        self.by_ine: dict[str, m.Person] = {}
        for p in persons:
            self.add(p)

    @classmethod
    def load(cls, session: Session, site: m.Site) -> "PersonIndex":
        return cls(list(session.execute(select(m.Person).where(m.Person.site_id == site.id)).scalars()))

    def add(self, person: m.Person) -> None:
        if person.external_id:
            self.by_external[person.external_id] = person
        if person.ine:
            self.by_ine.setdefault(person.ine.upper(), person)

    def find(self, ref: str) -> m.Person | None:
        """External id first, then INE (as `store.find_person`)."""
        ref = (ref or "").strip()
        return self.by_external.get(ref) or self.by_ine.get(ref.upper())


def unknown_person(ref: str) -> Said:
    return Said("unknown_person", ref=ref)


def changed_fields(person: m.Person, desired: dict) -> dict:
    """The fields of `desired` whose value differs from the person's (what an update would write)."""
    return {k: v for k, v in desired.items() if getattr(person, k) != v}


def save_people(session: Session, site: m.Site, index: PersonIndex,
                items: list[tuple[int, m.Person | None, dict]], report) -> None:
    """Create or update many persons at once: `items` are (file line, person or None, fields).

    The same validation and feed items as `store.upsert_person`, but one flush and one
    `feed.emit_many` for the whole file instead of a statement round per person (a
    3,000-pupil SIÈCLE import is otherwise dominated by per-row round trips). Only persons
    whose wire data changed get a feed item; a bad value is reported on its line.
    """
    now = feed.now()
    touched: list[tuple[m.Person, dict | None]] = []
    for line, person, desired in items:
        changes = desired if person is None else changed_fields(person, desired)
        if not changes:
            report.unchanged += 1
            continue
        try:
            values = {k: store._person_value(k, v) for k, v in changes.items()}  # the store's own checks
        except store.StoreError as exc:
            report.error(line, exc)
            continue
        before = None if person is None else feed.person_data(person)
        if person is None:
            person = m.Person(site_id=site.id, category="eleve", plan="ticket", status="active", no_class=False)
            session.add(person)
            report.created += 1
        else:
            report.updated += 1
        for k, v in values.items():
            setattr(person, k, v)
        if not person.last_name or not person.first_name:
            report.error(line, Said("person_needs_names"))
        if person.plan == "forfait" and not person.forfait_days:
            person.forfait_days = "mon,tue,thu,fri"
        person.updated_at = now
        touched.append((person, before))
    if report.errors or not touched:
        return
    session.flush()
    items_out = []
    for person, before in touched:
        index.add(person)
        data = feed.person_data(person)
        if data != before:
            items_out.append(("person", "upsert", data, None))
    feed.emit_many(session, site.id, items_out)
