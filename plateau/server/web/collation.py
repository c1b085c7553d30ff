"""French order and accent-insensitive matching for names (É with E, Œ as OE, ç as c).

`french_key` sorts like a French phone book: letters first, ignoring accents, case, hyphens,
apostrophes and spaces; ties are broken by the accented spelling, then the exact text, so the
order is total and stable. `fold` is the same folding for searching ("eloise" finds "Éloïse").
"""

from __future__ import annotations

import unicodedata

_LIGATURES = str.maketrans({"œ": "oe", "Œ": "OE", "æ": "ae", "Æ": "AE", "ß": "ss"})
_IGNORED = set(" -'’.")


def fold(text: str | None) -> str:
    """Lower-case, accents and ligatures removed: 'Éloïse Le Bœuf' -> 'eloise le boeuf'."""
    if not text:
        return ""
    decomposed = unicodedata.normalize("NFKD", text.translate(_LIGATURES))
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


def french_key(*parts: str | None) -> tuple:
    """A sort key for a name made of `parts` (e.g. last name, first name)."""
    primary = tuple("".join(c for c in fold(p) if c not in _IGNORED) for p in parts)
    secondary = tuple(fold(p) for p in parts)
    return primary, secondary, tuple((p or "").casefold() for p in parts), tuple(p or "" for p in parts)
