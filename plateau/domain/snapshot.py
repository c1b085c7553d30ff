"""What the replica says about one badge read: the only input of the rules besides the instant.

The query layer (`plateau.db.queries`) fills these from indexed lookups; tests build them by
hand. Plain frozen dataclasses: no Qt, no SQLAlchemy.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from plateau.domain.policy import SitePolicy
from plateau.domain.services import ServiceInfo


@dataclass(frozen=True)
class SiteInfo:
    code: str
    name: str
    timezone: str
    policy: SitePolicy
    services: tuple[ServiceInfo, ...]
    prices: dict[str, int]  # category -> price in cents


@dataclass(frozen=True)
class CardInfo:
    uid: str
    person_id: int
    status: str  # active | lost | blocked


@dataclass(frozen=True)
class PersonInfo:
    id: int
    last_name: str
    first_name: str
    class_name: str | None
    category: str
    plan: str  # ticket | forfait | reservation | none
    forfait_days: frozenset[int]
    status: str
    arrival_date: date | None
    leaving_date: date | None
    photo: str | None = None
    external_id: str | None = None

    @property
    def display_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()

    def summary(self) -> dict:
        return {"id": self.id, "external_id": self.external_id, "first_name": self.first_name,
                "last_name": self.last_name, "class": self.class_name, "category": self.category,
                "plan": self.plan, "photo": self.photo}


@dataclass(frozen=True)
class OppositionInfo:
    starts_at: datetime
    ends_at: datetime
    motive: str
    source: str


@dataclass(frozen=True)
class ServedInfo:
    """A passage that counts as served for this person, service and day (not cancelled)."""

    passage_id: str
    at: datetime
    station: str


@dataclass(frozen=True)
class Snapshot:
    """Everything the rules need for one read. Lists are already narrowed by the query layer
    (oppositions of this person covering the instant, passages of this person today in this
    service, closures covering today) but the rules re-check them: they must hold even when
    a caller passes more."""

    site: SiteInfo
    card: CardInfo | None = None
    person: PersonInfo | None = None
    closures: tuple[tuple[date, date, str], ...] = ()
    oppositions: tuple[OppositionInfo, ...] = ()
    served: tuple[ServedInfo, ...] = ()
    has_reservation: bool = False
    balance_cents: int = 0
    extra: dict = field(default_factory=dict)
