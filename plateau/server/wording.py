"""Messages for a person as a code and its parameters, worded in English or French when shown.

The importers and the booking rules say what went wrong as a `Said` (a code such as
`date_missing` and plain parameters); the CLI and the JSON API word it in English (their
`message`/`reason`, unchanged), the office words it in the page's language. Reports keep the
code and the parameters (`to_json`), so an import previewed in French reads in English to an
English reader later. The words are in `wording_text.py`. Plain data, any thread.

Parameters are JSON values (str, int, None, or a message's `to_json()`, worded in the same
language: "pupil 12: {detail}"). In a message, `{x!f}` words a field name (`date`,
`arrival date`...), `{x!d}` an ISO date (`2026-11-23` in English, `23/11/2026` in French),
`{x!w}` a weekday number (0 = Monday); `{x!r}` quotes a text as Python does.
"""

from __future__ import annotations

import string
from datetime import date
from typing import Any

from plateau.server.wording_text import FIELDS, TEXT, WEEKDAYS

LANGS = ("en", "fr")


class _Formatter(string.Formatter):
    def __init__(self, lang: str):
        super().__init__()
        self.lang = lang

    def convert_field(self, value: Any, conversion: str | None) -> Any:
        if conversion == "f":
            label = FIELDS.get(str(value))
            return label[self.lang == "fr"] if label else value
        if conversion == "d":
            try:
                day = date.fromisoformat(str(value))
            except ValueError:
                return value
            return day.strftime("%d/%m/%Y") if self.lang == "fr" else day.isoformat()
        if conversion == "w":
            return WEEKDAYS[self.lang == "fr"][int(value)]
        return super().convert_field(value, conversion)


_FORMATTERS = {lang: _Formatter(lang) for lang in LANGS}


class Said:
    """One message: `code` (a key of `TEXT`) and its parameters. Immutable by convention."""

    __slots__ = ("code", "params")

    def __init__(self, code: str, **params: Any):
        if code not in TEXT:
            raise KeyError(f"no words for message {code!r}")
        self.code, self.params = code, params

    def text(self, lang: str = "en") -> str:
        lang = lang if lang in LANGS else "en"
        params = {k: Said(v["code"], **v.get("params", {})).text(lang) if _is_said(v) else v
                  for k, v in self.params.items()}
        return _FORMATTERS[lang].format(TEXT[self.code][lang == "fr"], **params)

    def __str__(self) -> str:
        return self.text("en")

    def __repr__(self) -> str:
        return f"Said({self.code!r}, {self.params!r})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Said) and (self.code, self.params) == (other.code, other.params)

    def to_json(self) -> dict:
        return {"code": self.code, "params": dict(self.params)}


def _is_said(value: Any) -> bool:
    return isinstance(value, dict) and value.get("code") in TEXT


def said_of(thing: Any) -> Said | None:
    """The `Said` a message or an exception carries (its `said` attribute), if any."""
    if isinstance(thing, Said):
        return thing
    found = getattr(thing, "said", None)
    return found if isinstance(found, Said) else None


def text_of(thing: Any, lang: str) -> str:
    """A message or an exception in `lang` when it carries a `Said`, else its own (English) words."""
    said = said_of(thing)
    return said.text(lang) if said is not None else str(thing)


def worded(item: dict, lang: str) -> str:
    """A stored message (`{"message", "code"?, "params"?}`, as reports keep them) in `lang`;
    its English `message` when it has no code (older reports) or the code is no longer known."""
    code = item.get("code")
    if code in TEXT:
        try:
            return Said(code, **(item.get("params") or {})).text(lang)
        except (KeyError, IndexError, ValueError):
            pass
    return str(item.get("message", ""))
