"""Which encoding an imported file is in, decided from its bytes by rules that cannot garble.

French school files come in UTF-8 (with or without a BOM: current tools, "CSV UTF-8" from
Excel), in ISO-8859-15 (Latin-9: what SIÈCLE writes, and older tools), rarely in UTF-16 with a
BOM. The rules, in order:

1. a UTF-16 BOM: UTF-16; a UTF-8 BOM: UTF-8 (strict: a file that is not, after its BOM, is refused);
2. bytes that are valid UTF-8: UTF-8. A Latin-9 text is valid UTF-8 only if every accented
   capital (À..ß) or à..ô is followed by a symbol byte of 0x80..0xBF ("Ã©"): French names never
   do that, so valid UTF-8 with multibyte sequences is UTF-8 whatever a declaration says;
3. otherwise Latin-9, not Windows-1252: the two differ where French needs it (Latin-9's 0xBD is
   "œ", 0xA4 "€", 0xBE "Ÿ", 0xA6 "Š", 0xB4 "Ž"; Windows-1252 reads them "½", "¤", "¾", "¦", "´"),
   and a SIÈCLE file is Latin-9. Latin-9 text must be plausible: a byte 0x80..0x9F is a control
   character there (it is Windows-1252's "€", "œ", "’"... or Mac Roman's "é"), and then the
   file's encoding cannot be told for sure, so the file is REFUSED with the line and what to do,
   rather than imported with names silently wrong. Other control characters likewise.

An XML declaration (`encoding="..."`) the bytes contradict is detected: declared ISO-8859-15
but valid UTF-8 with multibyte sequences is read as UTF-8 (rule 2; an editor re-saved the file
and kept the declaration), declared UTF-8 but not valid UTF-8 is read as Latin-9 if plausible
(rule 3). Either way the report says so. A declaration of Windows-1252 that the bytes do not
contradict is followed (it names the 0x80..0x9F characters exactly). Pure functions, any thread.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from plateau.server.imports.report import ImportRejected
from plateau.server.wording import Said

UTF8, UTF8_BOM, UTF16, LATIN9, CP1252 = "UTF-8", "UTF-8 (BOM)", "UTF-16", "ISO-8859-15", "Windows-1252"
_DECLARATION = re.compile(rb"^<\?xml[^>]*?encoding\s*=\s*[\"']([A-Za-z0-9._-]{1,40})[\"']")
_LATIN = {"iso-8859-15": LATIN9, "iso8859-15": LATIN9, "latin-9": LATIN9, "latin9": LATIN9,
          "iso-8859-1": LATIN9, "iso8859-1": LATIN9, "latin-1": LATIN9, "latin1": LATIN9}
_CP1252 = {"windows-1252", "cp1252"}
_CONTROLS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
@dataclass(frozen=True)
class Decoded:
    """A file's text, the encoding it was read in, and a note when a declaration was overruled."""

    text: str
    encoding: str
    note: str | Said | None = None


def decode(data: bytes, *, xml: bool = False) -> Decoded:
    """Decode an import file by the rules above; raise ImportRejected when it cannot be told."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return Decoded(data.decode("utf-16"), UTF16)
        except UnicodeDecodeError:
            raise ImportRejected(Said("not_utf16")) from None
    if data.startswith(b"\xef\xbb\xbf"):
        try:
            text = data[3:].decode("utf-8")
        except UnicodeDecodeError as exc:
            raise ImportRejected(Said("not_utf8_bom"), line=_line_of(data, exc.start)) from None
        return Decoded(text, UTF8_BOM, _overruled(data, UTF8) if xml else None)
    declared = _declared(data) if xml else None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    else:
        note = None
        if declared and declared.lower() not in ("utf-8", "utf8", "us-ascii", "ascii") and not text.isascii():
            note = _overruled(data, UTF8)
        return Decoded(text, UTF8, note)
    if declared and declared.lower() in _CP1252:
        try:
            return _plausible(data.decode("cp1252"), CP1252, data, None)
        except UnicodeDecodeError as exc:
            raise ImportRejected(Said("not_declared_encoding", declared=declared),
                                 line=_line_of(data, exc.start)) from None
    note = None
    if xml and declared is not None and _LATIN.get(declared.lower()) != LATIN9:
        note = Said("encoding_overruled", declared=declared, used=LATIN9)
    elif xml and declared is None:
        note = Said("encoding_undeclared", used=LATIN9)
    return _plausible(data.decode("iso-8859-15"), LATIN9, data, note)


def _plausible(text: str, encoding: str, data: bytes, note: str | Said | None) -> Decoded:
    bad = _CONTROLS.search(text)
    if bad is not None:
        line = text.count("\n", 0, bad.start()) + 1
        code = ord(bad.group())
        why = Said("encoding_unknown_why").to_json() if 0x80 <= code <= 0x9F else ""
        raise ImportRejected(Said("encoding_unknown", encoding=encoding, byte=f"0x{code:02X}", why=why), line=line)
    return Decoded(text, encoding, note)


def _declared(data: bytes) -> str | None:
    match = _DECLARATION.match(data[:200])
    return match.group(1).decode("ascii") if match else None


def _overruled(data: bytes, used: str) -> str | None:
    declared = _declared(data)
    if declared is None or declared.lower() in ("utf-8", "utf8"):
        return None
    return (f"the file declares the encoding {declared} but its bytes are {used} (an editor saved it again "
            f"and kept the old declaration): read as {used}")


def _line_of(data: bytes, offset: int) -> int:
    return data.count(b"\n", 0, offset) + 1
