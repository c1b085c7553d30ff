"""Finding the persons an import names, in bulk (one query per site, not one per line)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from plateau.server import models as m
from plateau.server import store


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


def unknown_person(ref: str) -> str:
    return (f"no person {ref!r} at this site (name a person by the id it was imported with, "
            "e.g. its SIÈCLE ELEVE_ID, or by its national id INE; import the pupils first)")


def changed_fields(person: m.Person, desired: dict) -> dict:
    """The fields of `desired` whose value differs from the person's (what an update would write)."""
    return {k: v for k, v in desired.items() if getattr(person, k) != v}


def save_person(session: Session, site: m.Site, index: PersonIndex, person: m.Person | None,
                desired: dict, counts) -> m.Person:
    """Create or update through the store (which emits the feed item); count it in `counts`."""
    if person is None:
        person = store.upsert_person(session, site, **desired)
        index.add(person)
        counts.created += 1
        return person
    changes = changed_fields(person, desired)
    if not changes:
        counts.unchanged += 1
        return person
    store.upsert_person(session, site, id=person.id, **changes)
    index.add(person)
    counts.updated += 1
    return person
