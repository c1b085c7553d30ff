"""Turning an uploaded file into text and rows without trusting it.

Every kind goes through here first: a size limit enforced while reading (a 100 MB file is
refused after reading at most limit + 1 bytes, never loaded whole), empty and binary files
refused with a sentence, text decoded by the rules of `encoding.py` (UTF-8 with or without a
BOM, else Latin-9, refused when the bytes do not tell), and CSV rows that keep their file line
number.
"""

from __future__ import annotations

import csv
import io
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, Iterable, Iterator

from plateau.server.imports.encoding import decode
from plateau.server.imports.report import ImportRejected
from plateau.server.wording import Said

MB = 1024 * 1024
# A SIÈCLE export with addresses for 3,000 pupils is about 6 MB; 64 MB is a lycée of 20,000.
MAX_BYTES = {"siecle": 64 * MB, "calendar": 16 * MB}
DEFAULT_MAX_BYTES = 32 * MB
_CHUNK = 1 * MB


def max_bytes(kind: str) -> int:
    return MAX_BYTES.get(kind, DEFAULT_MAX_BYTES)


def too_large(kind: str, size: int | None = None) -> ImportRejected:
    limit = max_bytes(kind) // MB
    if size:
        return ImportRejected(Said("file_too_large_size", size=f"{size / MB:.0f}", kind=kind, limit=limit))
    return ImportRejected(Said("file_too_large", kind=kind, limit=limit))


def read_limited(stream: BinaryIO, kind: str) -> bytes:
    """Read at most the kind's limit from `stream`; refuse (without reading on) beyond it."""
    limit = max_bytes(kind)
    parts: list[bytes] = []
    total = 0
    while True:
        chunk = stream.read(_CHUNK)
        if not chunk:
            break
        total += len(chunk)
        if total > limit:
            raise too_large(kind)
        parts.append(chunk)
    return b"".join(parts)


def read_file(path: str | Path, kind: str) -> bytes:
    p = Path(path)
    if p.is_dir():
        raise ImportRejected(Said("path_is_folder", path=str(p)))
    size = p.stat().st_size  # FileNotFoundError / PermissionError are user-facing already
    if size > max_bytes(kind):
        raise too_large(kind, size)
    with p.open("rb") as fh:
        return read_limited(fh, kind)


def check_content(data: bytes) -> None:
    """Refuse an empty or binary file with a sentence (before any parsing)."""
    if not data.strip(b" \t\r\n\x00\xef\xbb\xbf"):
        raise ImportRejected(Said("file_empty"))
    head = data[:8192]
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        if not decode_text(data).strip():  # UTF-16 with a BOM: text (binary zeros are its high bytes)
            raise ImportRejected(Said("file_empty"))
        return
    if b"\x00" in head or head.startswith((b"PK\x03\x04", b"%PDF", b"\xd0\xcf\x11\xe0")):
        code = "not_text"
        if head.startswith(b"PK\x03\x04"):
            code = "not_text_zip"
        elif head.startswith(b"%PDF"):
            code = "not_text_pdf"
        elif head.startswith(b"\xd0\xcf\x11\xe0"):
            code = "not_text_xls"
        raise ImportRejected(Said(code))
    controls = sum(1 for b in head if b < 32 and b not in (9, 10, 13))
    if controls > len(head) // 100:
        raise ImportRejected(Said("not_text_binary"))


def decode_text(data: bytes) -> str:
    """The file's text, in the encoding its bytes show (`encoding.decode`: UTF-8, UTF-16 with a
    BOM, else Latin-9; refused when it cannot be told)."""
    return decode(data).text


def fold(text: str) -> str:
    """Header names compared without case, accents or surrounding spaces: 'Prénom ' == 'prenom'."""
    text = unicodedata.normalize("NFKD", text.strip().lower())
    return "".join(c for c in text if not unicodedata.combining(c)).replace(" ", "_")


@dataclass(frozen=True)
class Row:
    """One CSV data line: `line` is its first line number in the file (the header is line 1)."""

    line: int
    values: dict[str, str]

    def get(self, name: str) -> str:
        return (self.values.get(name) or "").strip()


def _sniff_delimiter(header: str) -> str:
    return ";" if header.count(";") >= header.count(",") and ";" in header else \
        "," if "," in header else "\t" if "\t" in header else ";"


def csv_rows(data: bytes, kind: str, required: Iterable[str], optional: Iterable[str] = (),
             aliases: dict[str, str] | None = None) -> tuple[list[str], Iterator[Row]]:
    """Check the header of a CSV file and return (columns, rows).

    `required` columns must all be there (else the file is not a `kind` file: refused whole);
    other columns are allowed and ignored unless listed in `optional`.
    """
    check_content(data)
    text = decode_text(data)
    first_line = text.split("\n", 1)[0]
    if first_line.lstrip().startswith("<"):
        raise ImportRejected(Said("xml_not_csv", kind=kind))
    if first_line.startswith("BEGIN:VCALENDAR"):
        raise ImportRejected(Said("ics_not_csv", kind=kind))
    delimiter = _sniff_delimiter(first_line)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        header = next(reader)
    except StopIteration:
        raise ImportRejected(Said("file_empty")) from None
    except csv.Error as exc:
        raise ImportRejected(Said("header_unreadable", detail=str(exc)), line=1) from None
    aliases = aliases or {}
    names = [aliases.get(fold(h), fold(h)) for h in header]
    required = list(required)
    missing = [c for c in required if c not in names]
    if missing:
        found = ", ".join(h.strip() for h in header if h.strip())[:200] or "nothing"
        raise ImportRejected(Said("header_missing_columns", kind=kind, missing=", ".join(missing),
                                  expected=";".join(required), found=found), line=1)
    dupes = sorted({n for n in names if n and names.count(n) > 1 and n in (*required, *optional)})
    if dupes:
        raise ImportRejected(Said("header_duplicate_columns", columns=", ".join(dupes)), line=1)
    wanted = set(required) | set(optional)
    positions = [(i, n) for i, n in enumerate(names) if n in wanted]

    def rows() -> Iterator[Row]:
        line = reader.line_num + 1
        while True:
            try:
                fields = next(reader)
            except StopIteration:
                return
            except csv.Error as exc:
                raise ImportRejected(Said("line_not_csv", detail=str(exc)), line=line) from None
            start, line = line, reader.line_num + 1
            if not fields or not any(f.strip() for f in fields):
                continue  # blank lines (and lines of empty cells Excel leaves at the end)
            yield Row(start, {n: (fields[i] if i < len(fields) else "") for i, n in positions})

    return names, rows()

