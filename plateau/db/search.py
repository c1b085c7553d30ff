"""The forgotten-badge search: find a person by surname, first name or both (in any order), or by class.

`person.search_key` holds "last first class", accent- and case-folded (`replica.search_key`).
Every word typed must begin a word of that key: "lea", "martin", "mart le", "LÉA MARTIN" and
"martin lea" all find "MARTIN Léa"; "goff" finds "LE GOFF"; "almeida" finds "D'ALMEIDA".
A query that is exactly a class name ("6eA") lists that class through `ix_person_class_nocase`
(migration 0002).

Why a scan: a first name or the second word of a surname is not a prefix of the key, so no
index range finds it. The scan reads only the person table, with one LIKE per word, and costs
under a millisecond for 6,000 persons (measured on the demo school copied nine times), far
below a keystroke's budget; the class lookup keeps its index.
Results come in the French order of names (`plateau.domain.collation`): the folded key, then
the names as written; those whose surname begins with the query come first.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Connection, text

from plateau.db.replica import search_key
from plateau.domain.collation import name_key

_COLUMNS = ("SELECT p.id, p.last_name, p.first_name, p.class_name, p.category, p.status, "
            "(SELECT c.uid FROM card c WHERE c.person_id = p.id AND c.status = 'active' LIMIT 1) AS card_uid "
            "FROM person p ")
# the key with its hyphens and apostrophes as spaces, behind a space: " martin durand lea 6ea"
_WORDS = "(' ' || replace(replace(p.search_key, '-', ' '), char(39), ' '))"  # char(39): the apostrophe
_SEPARATORS = str.maketrans({"-": " ", "'": " "})  # as in the key (a typographic ’ is folded away there)
_BY_CLASS = text(
    _COLUMNS + "WHERE p.class_name = :c COLLATE NOCASE ORDER BY p.search_key LIMIT :limit")


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


def query_words(query: str) -> list[str]:
    """The folded words of a query: "Lé-a  MARTIN" -> ["le", "a", "martin"]."""
    return search_key(query.translate(_SEPARATORS), "", None).split()


def _like_prefix(word: str) -> str:
    escaped = word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"% {escaped}%"


def _by_words(conn: Connection, words: list[str], limit: int) -> list[Found]:
    """Persons each of whose words begins a word of their key. Those whose key begins with the
    whole query come first ("mar": MARTIN before AUBERT Marius), so that the surname search
    staff are used to is never pushed past the limit by first names; each group in French order."""
    where = " AND ".join(f"{_WORDS} LIKE :w{i} ESCAPE '\\'" for i in range(len(words)))
    starts = "CASE WHEN p.search_key LIKE :whole ESCAPE '\\' THEN 0 ELSE 1 END"
    sql = text(f"{_COLUMNS.replace(' FROM person p', f', {starts} AS rank FROM person p')}WHERE {where} "
               "ORDER BY rank, p.search_key, p.last_name, p.first_name, p.id LIMIT :limit")
    params = {f"w{i}": _like_prefix(w) for i, w in enumerate(words)}
    whole = _like_prefix(" ".join(words))[2:]  # without the leading "% ": the key's very start
    rows = conn.execute(sql, {**params, "whole": whole, "limit": limit}).all()
    ranked = sorted(zip(rows, _rows(rows)), key=lambda rf: (rf[0].rank, name_key(rf[1].last_name, rf[1].first_name,
                                                                                  rf[1].id)))
    return [f for _, f in ranked]


def search_persons(conn: Connection, query: str, limit: int = 30) -> list[Found]:
    """The class named `query`, or the persons each of whose query words begins a word of their
    surname, first name or class, in French name order; at most `limit`."""
    words = query_words(query)
    if not words:
        return []
    found = _rows(conn.execute(_BY_CLASS, {"c": query.strip(), "limit": limit})) if len(words) == 1 else []
    if found:  # the folded key nearly ordered them; the names as written part the ties
        return sorted(found, key=lambda f: name_key(f.last_name, f.first_name, f.id))
    return _by_words(conn, words, limit)
