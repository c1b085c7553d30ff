"""French order of names, for every list of persons (kiosk, reports, CSV/PDF, office).

A byte order puts accented capitals after Z ("BÉNARD" after "BRUN"), and lower case after upper
case. A French reader expects the dictionary order: letters compared without their accents and
case first ("benard" < "brun"), the written forms only to part exact ties. This is the first two
levels of the French collation (ICU's, without its backward accents, which French dictionaries
no longer use either), in pure Python: no ICU library on the station, same order on every side.
"""

from __future__ import annotations

import unicodedata
from typing import Iterable

# letters NFKD leaves whole but a French dictionary spells out
_SPELLED = str.maketrans({"œ": "oe", "Œ": "OE", "æ": "ae", "Æ": "AE", "ø": "o", "Ø": "O", "ł": "l", "Ł": "L",
                          "đ": "d", "Đ": "D"})


def fold(text: str | None) -> str:
    """`text` without accents, ligatures or case: "Bénard-Cœur" -> "benard-coeur"."""
    decomposed = unicodedata.normalize("NFKD", (text or "").translate(_SPELLED))
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


def text_key(text: str | None) -> tuple[str, str]:
    """Sort key of one word or label: folded first, then as written (exact ties stay stable)."""
    return fold(text), text or ""


def name_key(last_name: str | None, first_name: str | None = "", *tie: object) -> tuple:
    """Sort key of a person: surname, then first name, in French order; `tie` (an id) last."""
    return (fold(last_name), fold(first_name), last_name or "", first_name or "", *tie)


def sorted_names(names: Iterable[str]) -> list[str]:
    """Labels (classes, names) in French order."""
    return sorted(names, key=text_key)
