"""The forgotten-badge search: find a person by name or by class with index lookups only.

`person.search_key` holds "last first class", accent- and case-folded (`replica.search_key`);
a query is a prefix of it, looked up as a range on its index (`key >= q AND key < q + U+FFFF`),
so the cost does not grow with the school. A query that is exactly a class name ("6eA") lists
that class through `ix_person_class_nocase` (migration 0002). "lea martin" also finds
"MARTIN Léa": the words are tried in the other order when the first order finds nobody.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Connection, text

from plateau.db.replica import search_key

_BY_PREFIX = text(
    "SELECT p.id, p.last_name, p.first_name, p.class_name, p.category, p.status, "
    "(SELECT c.uid FROM card c WHERE c.person_id = p.id AND c.status = 'active' LIMIT 1) AS card_uid "
    "FROM person p WHERE p.search_key >= :lo AND p.search_key < :hi "
    "ORDER BY p.search_key LIMIT :limit")
_BY_CLASS = text(
    "SELECT p.id, p.last_name, p.first_name, p.class_name, p.category, p.status, "
    "(SELECT c.uid FROM card c WHERE c.person_id = p.id AND c.status = 'active' LIMIT 1) AS card_uid "
    "FROM person p WHERE p.class_name = :c COLLATE NOCASE ORDER BY p.search_key LIMIT :limit")


@dataclass(frozen=True)
class Found:
    """One line of the search result."""

    id: int
    last_name: str
    first_name: str
    class_name: str | None
    category: str
    active: bool
    card_uid: str | None   # an active card, if the person has one (to declare it lost)

    @property
    def display_name(self) -> str:
        return f"{self.last_name} {self.first_name}".strip()


def _rows(result) -> list[Found]:
    return [Found(r.id, r.last_name, r.first_name, r.class_name, r.category, r.status == "active", r.card_uid)
            for r in result]


def _prefix(conn: Connection, key: str, limit: int) -> list[Found]:
    return _rows(conn.execute(_BY_PREFIX, {"lo": key, "hi": key + "\uffff", "limit": limit}))


def search_persons(conn: Connection, query: str, limit: int = 30) -> list[Found]:
    """Persons whose "last first class" starts with `query`, or the class named `query`."""
    key = search_key(query, "", None)
    if len(key) < 1:
        return []
    found = _rows(conn.execute(_BY_CLASS, {"c": query.strip(), "limit": limit})) if " " not in key else []
    if found:
        return found
    found = _prefix(conn, key, limit)
    words = key.split(" ")
    if not found and len(words) >= 2:  # "lea martin": try the first name last
        found = _prefix(conn, " ".join(words[1:] + words[:1]), limit)
    return found
