"""The audit log: every change made in the office or by `plateau admin user` and `plateau admin station`, with who, when,
what, before and after (table `audit_entry`). `record` joins the caller's unit of work, so a
change and its audit line are committed together or not at all."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from plateau.server import feed
from plateau.server.office_models import AuditEntry

CLI = "cli"


def office_actor(email: str) -> str:
    return f"office:{email}"


def record(session: Session, actor: str, action: str, *, site_id: int | None = None, target: str = "",
           before: dict | None = None, after: dict | None = None) -> AuditEntry:
    entry = AuditEntry(at=feed.now(), actor=actor[:300], site_id=site_id, action=action[:64], target=target[:120],
                       before=before, after=after)
    session.add(entry)
    return entry


def latest(session: Session, site_ids: list[int] | None = None, *, limit: int = 200,
           target: str | None = None) -> list[AuditEntry]:
    """Newest first; `site_ids` None: every site (and the site-less entries, e.g. user changes)."""
    q = select(AuditEntry)
    if site_ids is not None:
        q = q.where(AuditEntry.site_id.in_(site_ids))
    if target:
        q = q.where(AuditEntry.target == target)
    return list(session.execute(q.order_by(AuditEntry.id.desc()).limit(limit)).scalars())
