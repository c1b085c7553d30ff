"""What an import answers: counts, per-line errors and notes, in words a school secretary reads.

An import is all-or-nothing: one error anywhere and nothing is written. Errors point at the
file's line (1 = the first line of the file, header included) so the secretary can open the
file and fix exactly that line. Notes are things worth knowing that do not stop the import
(a pupil without a class yet, a calendar record read as a single closed day).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from plateau.errors import UserError
from plateau.server.wording import Said, said_of

# Beyond this many errors the report says "and N more": a wrong file would otherwise answer
# thousands of identical lines.
MAX_LISTED = 200


@dataclass(frozen=True)
class LineMessage:
    """One error or note, tied to a line of the file when there is one. `message` is its English
    words; `said` its code and parameters when it has them (the office words it in French)."""

    line: int | None
    message: str
    column: int | None = None
    said: Said | None = None

    def __str__(self) -> str:
        if self.line is None:
            return self.message
        where = f"line {self.line}" + (f", column {self.column}" if self.column is not None else "")
        return f"{where}: {self.message}"

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"line": self.line, "message": self.message}
        if self.column is not None:
            out["column"] = self.column
        if self.said is not None:
            out.update(self.said.to_json())
        return out


@dataclass
class ImportReport:
    """The answer of one import (CLI prints it, the API returns `to_json()`). Plain data, any thread."""

    kind: str
    site: str | None = None
    records: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[LineMessage] = field(default_factory=list)
    notes: list[LineMessage] = field(default_factory=list)
    applied: bool = False
    encoding: str | None = None   # how the file's bytes were read (imports.encoding)

    @property
    def ok(self) -> bool:
        return not self.errors

    def error(self, line: int | None, message: str | Said | Exception, column: int | None = None) -> None:
        """`message`: words, a `Said`, or an exception (its `said` when it carries one)."""
        self.errors.append(LineMessage(line, str(message), column, said_of(message)))

    def note(self, line: int | None, message: str | Said) -> None:
        self.notes.append(LineMessage(line, str(message), said=said_of(message)))

    def summary(self) -> str:
        if self.errors:
            lines = ", ".join(str(e.line) for e in self.errors[:10] if e.line is not None)
            where = f" (line {lines}{', ...' if len(self.errors) > 10 else ''})" if lines else ""
            return (f"{self.kind} import refused: {len(self.errors)} error(s){where}; "
                    "nothing was changed")
        return (f"{self.kind} import done: {self.created} created, {self.updated} updated, "
                f"{self.unchanged} unchanged")

    def to_json(self) -> dict[str, Any]:
        def listed(items: list[LineMessage]) -> list[dict]:
            return [m.to_json() for m in items[:MAX_LISTED]]

        return {"kind": self.kind, "site": self.site, "applied": self.applied, "records": self.records,
                "created": self.created, "updated": self.updated, "unchanged": self.unchanged,
                "errors": listed(self.errors), "errors_total": len(self.errors),
                "notes": listed(self.notes), "notes_total": len(self.notes), "encoding": self.encoding,
                "summary": self.summary()}

    def to_text(self) -> str:
        out = [self.summary()]
        if self.encoding:
            out.append(f"  file read as {self.encoding}")
        for title, items in (("error", self.errors), ("note", self.notes)):
            for m in items[:MAX_LISTED]:
                out.append(f"  {title}: {m}")
            if len(items) > MAX_LISTED:
                out.append(f"  ... and {len(items) - MAX_LISTED} more {title}s")
        return "\n".join(out)


class ImportRejected(UserError):
    """The whole file was refused before any line could be read (empty, binary, too large,
    malformed XML, wrong kind of file). Carries its one-line reason (a `Said` or English words);
    nothing was changed."""

    def __init__(self, message: str | Said, line: int | None = None, column: int | None = None):
        self.line = line
        self.column = column
        self.said = said_of(message)
        message = str(message)
        super().__init__(message if line is None else
                         f"{message} (line {line}" + (f", column {column})" if column is not None else ")"))
        self.reason = message

    def worded(self, lang: str) -> str:
        """The reason in `lang` ("fr" or "en"), with its line."""
        if self.said is None or lang != "fr":
            return str(self)
        where = "" if self.line is None else f" (ligne {self.line}" + (
            f", colonne {self.column})" if self.column is not None else ")")
        return self.said.text(lang) + where
