"""One card, one canonical UID, whatever reader spelled it.

The canonical form is the UID's bytes in the order the card sends them (ISO 14443
anticollision order, what nfcpy reports as ``tag.identifier``), written as upper-case hex
without separators: ``04A1B2C3D4E5F6``. Readers spell the same bytes differently:

============== ====================================== ===========================
format         what the reader prints                  example for UID 1A2B3C4D
============== ====================================== ===========================
hex            the bytes, in order                     1A2B3C4D (also 1a:2b:3c:4d)
hex-reversed   the bytes, last first                   4D3C2B1A
decimal        the bytes read as a big-endian integer  0439041101
decimal-reversed the bytes as a little-endian integer  1295788826
em4100         10 hex characters of a 125 kHz tag     01000734E0
wiegand26      "facility,card" of a 125 kHz tag        52,13536 -> 3434E0
============== ====================================== ===========================
"""

from __future__ import annotations

import re

FORMATS = ("hex", "hex-reversed", "decimal", "decimal-reversed", "em4100", "wiegand26")

_SEPARATORS = re.compile(r"[\s:\-.]")
_HEX = re.compile(r"^[0-9A-F]+$")
# UID lengths ISO 14443 / FeliCa / EM4100 actually have
_DECIMAL_WIDTHS = (4, 5, 7, 8, 10)


class UidError(ValueError):
    """A string that is not a badge UID in the declared spelling."""


def _hex_bytes(text: str) -> bytes:
    cleaned = _SEPARATORS.sub("", text).upper()
    if cleaned.startswith("0X"):
        cleaned = cleaned[2:]
    if not cleaned or not _HEX.match(cleaned):
        raise UidError(f"not a hexadecimal UID: {text!r}")
    if len(cleaned) % 2:
        raise UidError(f"odd number of hex digits in UID {text!r}")
    if not 3 <= len(cleaned) // 2 <= 10:
        raise UidError(f"a UID has 3 to 10 bytes, {text!r} has {len(cleaned) // 2}")
    return bytes.fromhex(cleaned)


def _decimal_bytes(text: str, order: str) -> bytes:
    digits = text.strip()
    if not digits.isdigit() or not digits.isascii():
        raise UidError(f"not a decimal UID: {text!r}")
    value = int(digits)
    for width in _DECIMAL_WIDTHS:
        if value < 1 << (8 * width):
            return value.to_bytes(width, order)  # type: ignore[arg-type]
    raise UidError(f"decimal UID too large: {text!r}")


def normalize_uid(raw: str | bytes, fmt: str = "hex") -> str:
    """Return the canonical UID for `raw` written in spelling `fmt`; raise UidError otherwise."""
    if isinstance(raw, (bytes, bytearray)):
        if not 3 <= len(raw) <= 10:
            raise UidError(f"a UID has 3 to 10 bytes, got {len(raw)}")
        return bytes(raw).hex().upper()
    if not isinstance(raw, str):
        raise UidError(f"not a UID: {raw!r}")
    if fmt == "hex":
        return _hex_bytes(raw).hex().upper()
    if fmt == "hex-reversed":
        return _hex_bytes(raw)[::-1].hex().upper()
    if fmt == "decimal":
        return _decimal_bytes(raw, "big").hex().upper()
    if fmt == "decimal-reversed":
        return _decimal_bytes(raw, "little").hex().upper()
    if fmt == "em4100":
        data = _hex_bytes(raw)
        if len(data) != 5:
            raise UidError(f"an EM4100 tag has 5 bytes (10 hex characters), got {raw!r}")
        return data.hex().upper()
    if fmt == "wiegand26":
        m = re.fullmatch(r"\s*(\d{1,3})\s*[,/]\s*(\d{1,5})\s*", raw)
        if not m or int(m.group(1)) > 255 or int(m.group(2)) > 65535:
            raise UidError(f"not a facility,card pair: {raw!r}")
        return bytes([int(m.group(1))]).hex().upper() + f"{int(m.group(2)):04X}"
    raise UidError(f"unknown UID format {fmt!r} (expected one of {', '.join(FORMATS)})")


def looks_like_uid(text: str) -> bool:
    try:
        normalize_uid(text)
        return True
    except UidError:
        return False


def em4100_checksum(data_hex: str) -> str:
    """The checksum an RDM6300 sends after a tag's 10 hex characters: the XOR of the 5 bytes.

    ``em4100_checksum("01000734E0") == "D2"``; readers compare it before trusting a frame."""
    data = _hex_bytes(data_hex)
    if len(data) != 5:
        raise UidError(f"an EM4100 tag has 5 bytes (10 hex characters), got {data_hex!r}")
    x = 0
    for b in data:
        x ^= b
    return f"{x:02X}"


def em4100_short_forms(uid: str) -> tuple[str, ...]:
    """The shorter UIDs partial 125 kHz readers give for a 5-byte EM4100 tag, longest first.

    An RDM6300 reports all five bytes (``01000734E0``); a reader that types 10 decimal digits
    reports the low four (``0000472288`` → ``000734E0``); a Wiegand-26 reader the low three
    (``007,13536`` → ``0734E0``). The lost high bytes cannot be recovered, so a card lookup that
    must work across such readers compares these forms (the station's reader settings say which).
    """
    canonical = normalize_uid(uid, "em4100")
    return canonical[2:], canonical[4:]
