"""Saving the guardians an import read (CSV `guardians` or SIÈCLE's responsables file).

The file is the truth about a site's guardians: each guardian of the file is created or
updated, and its links are set to exactly the pupils the file gives it (with the legal and
financial flags; an empty e-mail keeps the one a family gave when it activated a letter's code); a guardian of the site absent from the file loses access (`active` False)
and keeps its rows. Persons, money and reservations are never touched. Runs inside the
import's unit of work; errors go to the report (the runner then undoes everything).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from plateau.server import feed, store
from plateau.server import family_models as fm
from plateau.server import models as m
from plateau.server.family.accounts import FamilyError, normalize_email
from plateau.server.wording import Said

# a file dropping more than half of a site's guardians looks like a partial export
_PARTIAL_MIN_KNOWN = 10


@dataclass
class GuardianLine:
    """One guardian as read from a file (first line naming it) and the pupils it is linked to."""

    line: int
    external_id: str
    email: str | None
    last_name: str
    first_name: str
    links: list[tuple[int, str, bool, bool]] = field(default_factory=list)  # line, person ref, legal, financial


def check_email(raw: str | None) -> str | None:
    try:
        return normalize_email(raw)
    except FamilyError as exc:
        raise ValueError(str(exc)) from None


def save_guardians(session: Session, site: m.Site, guardians: list[GuardianLine], report) -> None:
    existing = {g.external_id: g for g in session.execute(
        select(fm.Guardian).where(fm.Guardian.site_id == site.id)).scalars()}
    now = feed.now()
    in_file = {g.external_id for g in guardians}
    for g in guardians:
        persons: dict[int, tuple[bool, bool]] = {}
        for line, ref, legal, financial in g.links:
            person = store.find_person(session, site, ref)
            if person is None:
                report.error(line, Said("guardian_pupil_unknown", gid=g.external_id, ref=ref, site=site.code))
                continue
            was = persons.get(person.id, (False, False))
            persons[person.id] = (was[0] or legal, was[1] or financial)
        row = existing.get(g.external_id)
        # a file without e-mail keeps the one the family gave with its activation letter
        desired = {"email": g.email or (row.email if row is not None else None), "last_name": g.last_name[:100], "first_name": g.first_name[:100], "active": True}
        if row is None:
            row = fm.Guardian(site_id=site.id, external_id=g.external_id, updated_at=now, **desired)
            session.add(row)
            session.flush()
            report.created += 1
            changed = True
        else:
            changed = any(getattr(row, k) != v for k, v in desired.items())
            for k, v in desired.items():
                setattr(row, k, v)
        links = {link.person_id: link for link in session.execute(
            select(fm.GuardianLink).where(fm.GuardianLink.guardian_id == row.id)).scalars()}
        for pid, (legal, financial) in persons.items():
            link = links.pop(pid, None)
            if link is None:
                session.add(fm.GuardianLink(guardian_id=row.id, person_id=pid, legal=legal, financial=financial))
                changed = True
            elif (link.legal, link.financial) != (legal, financial):
                link.legal, link.financial = legal, financial
                changed = True
        if links:  # pupils this guardian no longer has (custody changed): no more access to them
            session.execute(delete(fm.GuardianLink).where(fm.GuardianLink.guardian_id == row.id,
                                                         fm.GuardianLink.person_id.in_(list(links))))
            changed = True
        if changed:
            row.updated_at = now
            if g.external_id in existing:
                report.updated += 1
        elif g.external_id in existing:
            report.unchanged += 1
    gone = [g for key, g in existing.items() if key not in in_file and g.active]
    known = sum(1 for g in existing.values() if g.active)
    if gone and known >= _PARTIAL_MIN_KNOWN and len(gone) * 2 > known:
        report.error(None, Said("guardians_partial", n=len(gone), known=known))
        return
    for g in gone:
        g.active = False
        g.updated_at = now
    if gone:
        names = ", ".join(f"{g.first_name} {g.last_name} ({g.external_id})" for g in gone[:5])
        more = Said("and_more", n=len(gone) - 5).to_json() if len(gone) > 5 else ""
        report.note(None, Said("guardians_gone", n=len(gone), names=names, more=more))
    session.flush()
