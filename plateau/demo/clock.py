"""The kiosk's clock, optionally shifted and sped up for demos and training.

`[station] clock_start` (an ISO 8601 instant, empty by default) makes the kiosk's clock read
that instant when the kiosk starts (or at the real instant `clock_anchor` when given), then run
`clock_speed` times faster than the wall clock.
`plateau demo` uses it to replay a lunch service on its demo day (2026-11-23) at any hour and
in a few minutes. A production station leaves both unset: the clock is the system's (NTP).
The rules never see this: they get the instant from the kiosk like any other.
Pure; called from the GUI thread (and the kiosk worker thread through the window's clock).
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Callable


def utc_now() -> datetime:
    return datetime.now(timezone.utc)


def parse_start(text: str) -> datetime:
    """`clock_start` as an aware instant; ValueError with a clear message otherwise."""
    try:
        at = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        raise ValueError(f"clock_start: not an ISO 8601 instant: {text!r} "
                         "(e.g. 2026-11-23T11:15:00+01:00)") from None
    if at.tzinfo is None:
        raise ValueError(f"clock_start: give the UTC offset, e.g. {text}+01:00")
    return at


class ShiftedClock:
    """Reads `start` at the wall-clock instant `anchor` (default: when created) and advances
    `speed` times faster than the wall clock. A shared anchor lets another process (the demo's
    conductor) compute exactly the instant the kiosk will stamp on a badge."""

    def __init__(self, start: datetime, speed: float = 1.0, anchor: datetime | None = None,
                 wall: Callable[[], datetime] = utc_now):
        if speed <= 0:
            raise ValueError("clock_speed must be positive")
        self.start, self.speed, self._wall = start, speed, wall
        self.anchor = anchor or wall()

    def __call__(self) -> datetime:
        return self.at(self._wall())

    def at(self, wall: datetime) -> datetime:
        """The shifted instant at the wall-clock instant `wall`."""
        return self.start + (wall - self.anchor) * self.speed

    def wall_at(self, shifted: datetime) -> datetime:
        """The wall-clock instant at which this clock reads `shifted`."""
        return self.anchor + (shifted - self.start) / self.speed


def station_clock(station_section) -> Callable[[], datetime]:
    """The clock the kiosk uses: the system's unless `clock_start` is set."""
    start = getattr(station_section, "clock_start", "")
    if not start:
        return utc_now
    anchor = getattr(station_section, "clock_anchor", "")
    return ShiftedClock(parse_start(start), float(getattr(station_section, "clock_speed", 1.0)),
                        parse_start(anchor) if anchor else None)
