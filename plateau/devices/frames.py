"""Byte streams from serial badge readers → UIDs, with no I/O (pure, unit-tested).

Two protocols exist in the readers schools buy:

* RDM6300 / EM4100 125 kHz modules: ``0x02``, 10 ASCII hex characters (the tag's 5 bytes),
  2 ASCII hex characters (XOR of the 5 bytes), ``0x03``, at 9600 8N1. Frames arrive split
  across reads, with line noise or CR/LF between them, sometimes two in one read.
* "line" readers: an ASCII UID ended by CR and/or LF, with an optional fixed prefix/suffix,
  in the spelling of the reader's model (``uid_format``).

Each parser is fed whatever bytes a read returned and gives back what it could complete:
`Frame` (a UID, canonical) or `BadFrame` (the bytes and why: logged, never delivered).
"""

from __future__ import annotations

from dataclasses import dataclass
from plateau.domain.uid import FORMATS, UidError, em4100_checksum, normalize_uid

STX, ETX = 0x02, 0x03
_HEXDIGITS = frozenset(b"0123456789ABCDEFabcdef")
_RDM_BODY = 12            # 10 data + 2 checksum characters
_LINE_MAX = 64            # a UID line is short; longer means garbage without a line end


@dataclass(frozen=True)
class Frame:
    uid: str              # canonical (plateau.domain.uid)
    raw: bytes


@dataclass(frozen=True)
class BadFrame:
    reason: str
    raw: bytes


Event = Frame | BadFrame


def rdm6300_checksum(data_hex: str) -> str:
    """The 2 hex characters an RDM6300 sends after the 10 data characters (XOR of the 5 bytes)."""
    return em4100_checksum(data_hex)


def rdm6300_frame(data_hex: str, checksum: str | None = None) -> bytes:
    """The 14 bytes an RDM6300 sends for a tag (tests, benchmarks, the simulator)."""
    data_hex = data_hex.upper()
    return bytes([STX]) + (data_hex + (checksum or rdm6300_checksum(data_hex))).encode() + bytes([ETX])


class Rdm6300Parser:
    """Re-synchronising RDM6300 frame parser. One per reader; lives on the reader's thread."""

    def __init__(self) -> None:
        self._buf = bytearray()
        self._in_frame = False

    def feed(self, data: bytes) -> list[Event]:
        events: list[Event] = []
        noise = bytearray()
        for byte in data:
            if byte == STX:
                if self._in_frame and self._buf:
                    # a new start inside a frame: what came before was a broken frame
                    events.append(BadFrame("frame interrupted by a new start byte", bytes([STX]) + bytes(self._buf)))
                self._flush_noise(noise, events)
                self._in_frame, self._buf = True, bytearray()
            elif not self._in_frame:
                noise.append(byte)
            elif byte == ETX:
                events.append(self._complete(bytes(self._buf)))
                self._in_frame, self._buf = False, bytearray()
            else:
                self._buf.append(byte)
                if len(self._buf) > _RDM_BODY:
                    events.append(BadFrame("frame too long (no end byte)", bytes([STX]) + bytes(self._buf)))
                    self._in_frame, self._buf = False, bytearray()
        self._flush_noise(noise, events)
        return events

    @staticmethod
    def _flush_noise(noise: bytearray, events: list[Event]) -> None:
        # CR/LF after ETX is common on clones and is not worth a log line
        stripped = bytes(noise).strip(b"\r\n\x00")
        if stripped:
            events.append(BadFrame("noise between frames", stripped))
        noise.clear()

    @staticmethod
    def _complete(body: bytes) -> Event:
        raw = bytes([STX]) + body + bytes([ETX])
        if len(body) != _RDM_BODY or not all(b in _HEXDIGITS for b in body):
            return BadFrame(f"not 12 hex characters between start and end ({len(body)} bytes)", raw)
        text = body.decode("ascii").upper()
        data, checksum = text[:10], text[10:]
        expected = rdm6300_checksum(data)
        if checksum != expected:
            return BadFrame(f"bad checksum {checksum}, expected {expected}", raw)
        return Frame(normalize_uid(data, "em4100"), raw)


class LineParser:
    """CR/LF-terminated ASCII UIDs, optional prefix/suffix, spelled in `uid_format`.

    One per reader; lives on the reader's thread.
    """

    def __init__(self, uid_format: str = "hex", prefix: str = "", suffix: str = "") -> None:
        if uid_format not in FORMATS:  # fail at start, not at the first badge of the lunch
            raise ValueError(f"unknown UID format {uid_format!r} (expected one of {', '.join(FORMATS)})")
        self.uid_format, self.prefix, self.suffix = uid_format, prefix, suffix
        self._buf = bytearray()
        self._discarding = False

    def feed(self, data: bytes) -> list[Event]:
        events: list[Event] = []
        for byte in data:
            if byte in (0x0D, 0x0A):
                if self._buf and not self._discarding:
                    events.append(self._complete(bytes(self._buf)))
                self._buf, self._discarding = bytearray(), False
            elif not self._discarding:
                self._buf.append(byte)
                if len(self._buf) > _LINE_MAX:
                    # drop the rest of this line too: its tail is not a UID either
                    events.append(BadFrame("line too long (no CR/LF)", bytes(self._buf)))
                    self._buf, self._discarding = bytearray(), True
        return events

    def _complete(self, raw: bytes) -> Event:
        try:
            text = raw.decode("ascii")
        except UnicodeDecodeError:
            return BadFrame("not ASCII", raw)
        text = text.strip(" \t\x00\x02\x03")
        if self.prefix and text.startswith(self.prefix):
            text = text[len(self.prefix):]
        if self.suffix and text.endswith(self.suffix):
            text = text[: -len(self.suffix)]
        return parse_uid_text(text.strip(), self.uid_format, raw)


def parse_uid_text(text: str, uid_format: str, raw: bytes | None = None) -> Event:
    """One UID written as text (a line, a keyboard burst, a simulator line) → Frame or BadFrame."""
    raw = text.encode("utf-8", "replace") if raw is None else raw
    if not text:
        return BadFrame("empty line", raw)
    try:
        return Frame(normalize_uid(text, uid_format), raw)
    except UidError as exc:
        return BadFrame(str(exc), raw)


def make_parser(protocol: str, uid_format: str = "hex", prefix: str = "", suffix: str = ""):
    """The parser for a serial reader's `protocol` (rdm6300 | line)."""
    if protocol == "rdm6300":
        return Rdm6300Parser()
    if protocol == "line":
        return LineParser(uid_format, prefix, suffix)
    raise ValueError(f"unknown serial protocol {protocol!r} (expected rdm6300 or line)")
