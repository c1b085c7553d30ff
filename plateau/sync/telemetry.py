"""A station's small telemetry, sent as HTTP headers on every sync request (docs/protocol.md).

Both ends import this module: the station to write the headers, the server to read them. It is
pure (no I/O). The headers are optional and advisory: a server that does not know them ignores
them, and the server ignores (with a log line) any value it cannot read, never the request.

| header | value |
|---|---|
| `X-Plateau-Station-Version` | the station's software version, e.g. `0.1.0` |
| `X-Plateau-Station-Clock` | the station's wall clock when it sent the request: epoch seconds (`1764756000.123`), or an ISO 8601 instant with its offset |
| `X-Plateau-Station-Reader` | the badge reader's state (`ready`, `starting`, `unplugged`, `error`, `stopped`, `unknown`), then optionally `;` and a short detail |
| `X-Plateau-Station-Waiting` | passages recorded at the station and not yet acknowledged by the server |
| `X-Plateau-Station-Parked` | passages and card events the server rejected, waiting for a person |

Every value is bounded (`MAX_*`); a header value longer than `MAX_HEADER` is not read at all.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Mapping

VERSION = "X-Plateau-Station-Version"
CLOCK = "X-Plateau-Station-Clock"
READER = "X-Plateau-Station-Reader"
WAITING = "X-Plateau-Station-Waiting"
PARKED = "X-Plateau-Station-Parked"
HEADERS = (VERSION, CLOCK, READER, WAITING, PARKED)

READER_STATES = ("ready", "starting", "unplugged", "error", "stopped", "unknown")
MAX_HEADER = 200          # longer values are not even looked at
MAX_VERSION = 40
MAX_DETAIL = 80
MAX_EPOCH = 10**11        # year 5138: beyond it a clock is nonsense, not merely wrong

_VERSION = re.compile(r"[0-9A-Za-z][0-9A-Za-z.+_~-]*")
_EPOCH = re.compile(r"[0-9]{1,11}(\.[0-9]{1,6})?")
_COUNT = re.compile(r"[0-9]{1,9}")   # nine digits: more passages than any station holds
_PRINTABLE = re.compile(r"[^\x20-\x7e]")


def printable(text: str, limit: int) -> str:
    """`text` as printable ASCII (anything else becomes `?`), cut to `limit` characters: header
    values must be Latin-1, and what a person will read on a page should be plain."""
    return _PRINTABLE.sub("?", text.strip())[:limit].strip()


def reader_value(state: str, detail: str = "") -> str:
    """The `X-Plateau-Station-Reader` value for a reader state and its detail (the device path or
    the error, as the kiosk shows staff)."""
    state = state if state in READER_STATES else "unknown"
    detail = printable(detail.replace(";", ","), MAX_DETAIL)
    return f"{state}; {detail}" if detail else state


@dataclass(frozen=True)
class Telemetry:
    """What the server could read of one request's telemetry (None: not sent or not readable)."""

    version: str | None = None
    clock: float | None = None        # the station's wall clock, epoch seconds
    reader: str | None = None         # one of READER_STATES
    reader_detail: str | None = None
    waiting: int | None = None
    parked: int | None = None
    problems: tuple[str, ...] = field(default=(), compare=False)   # one sentence per ignored value

    @property
    def empty(self) -> bool:
        return all(v is None for v in (self.version, self.clock, self.reader, self.waiting, self.parked))


def _clock(value: str) -> float:
    if _EPOCH.fullmatch(value):
        epoch = float(value)
    else:
        try:
            at = datetime.fromisoformat(value.replace("Z", "+00:00")) if len(value) <= 40 else None
        except ValueError:
            at = None
        if at is None:
            raise ValueError("neither epoch seconds nor an ISO 8601 instant")
        if at.tzinfo is None:
            raise ValueError("an instant without its offset")
        epoch = at.timestamp()
    if not math.isfinite(epoch) or not 0 <= epoch <= MAX_EPOCH:
        raise ValueError("out of range")
    return epoch


def _count(value: str) -> int:
    if not _COUNT.fullmatch(value):
        raise ValueError("not a count")
    return int(value)


def _version(value: str) -> str:
    if len(value) > MAX_VERSION or not _VERSION.fullmatch(value):
        raise ValueError("not a version")
    return value


def _reader(value: str) -> tuple[str, str | None]:
    state, _, detail = value.partition(";")
    state = state.strip().lower()
    if state not in READER_STATES:
        raise ValueError("not a reader state")
    return state, printable(detail, MAX_DETAIL) or None


def parse(headers: Mapping[str, str]) -> Telemetry:
    """The telemetry of a request's headers (a case-insensitive mapping, like Starlette's). Never
    raises: a value that is absent, too long or malformed is left out, and a malformed one is
    named in `problems` (without its content: it may be anything)."""
    found: dict = {}
    problems: list[str] = []
    for name, key, read in ((VERSION, "version", _version), (CLOCK, "clock", _clock),
                            (READER, "reader", _reader), (WAITING, "waiting", _count),
                            (PARKED, "parked", _count)):
        raw = headers.get(name)
        if raw is None:
            continue
        if len(raw) > MAX_HEADER:
            problems.append(f"{name}: {len(raw)} characters, more than {MAX_HEADER}")
            continue
        try:
            found[key] = read(raw.strip())
        except (ValueError, OverflowError) as exc:   # our own words: the value may be anything
            problems.append(f"{name}: {exc if isinstance(exc, ValueError) else 'out of range'} ({len(raw)} characters)")
    if "reader" in found:
        found["reader"], found["reader_detail"] = found["reader"]
    return Telemetry(**found, problems=tuple(problems))
