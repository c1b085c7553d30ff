"""A member of staff as the kiosk knows them: who typed a valid PIN, and what their role allows."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Role(StrEnum):
    STAFF = "staff"
    MANAGER = "manager"
    ADMIN = "admin"


@dataclass(frozen=True)
class StaffMember:
    """A member of staff who typed a valid PIN (the replica's `staff` row, without its hash)."""

    id: int
    name: str
    role: str

    @property
    def can_manage(self) -> bool:
        return self.role in (Role.MANAGER, Role.ADMIN)

    @property
    def can_quit(self) -> bool:
        return self.role == Role.ADMIN
