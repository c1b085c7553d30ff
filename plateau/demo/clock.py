"""The kiosk's clock, optionally shifted and sped up for demos and training.

`[station] clock_start` (an ISO 8601 instant, empty by default) makes the kiosk's clock read
that instant when the kiosk starts (or at the real instant `clock_anchor` when given), then run
`clock_speed` times faster than the wall clock; from the instant `clock_real_time_from` on (when
given), it runs at real time. `plateau demo` sets it just after its scripted lunch, so that
badges presented by hand afterwards still fall inside the service instead of racing past its end.
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
    `speed` times faster than the wall clock until it reads `real_from` (if given), then at real
    time. A shared anchor lets another process (the demo's conductor) compute exactly the
    instant the kiosk will stamp on a badge."""

    def __init__(self, start: datetime, speed: float = 1.0, anchor: datetime | None = None,
                 wall: Callable[[], datetime] = utc_now, real_from: datetime | None = None):
        if speed <= 0:
            raise ValueError("clock_speed must be positive")
        if real_from is not None and real_from < start:
            raise ValueError("clock_real_time_from must not be before clock_start")
        self.start, self.speed, self._wall, self.real_from = start, speed, wall, real_from
        self.anchor = anchor or wall()

    def __call__(self) -> datetime:
        return self.at(self._wall())

    def _slowed_at(self) -> datetime | None:
        """The wall-clock instant from which the clock runs at real time."""
        return None if self.real_from is None else self.anchor + (self.real_from - self.start) / self.speed

    def at(self, wall: datetime) -> datetime:
        """The shifted instant at the wall-clock instant `wall`."""
        slowed = self._slowed_at()
        if slowed is not None and wall >= slowed:
            return self.real_from + (wall - slowed)
        return self.start + (wall - self.anchor) * self.speed

    def wall_at(self, shifted: datetime) -> datetime:
        """The wall-clock instant at which this clock reads `shifted`."""
        if self.real_from is not None and shifted >= self.real_from:
            return self._slowed_at() + (shifted - self.real_from)
        return self.anchor + (shifted - self.start) / self.speed


def station_clock(station_section) -> Callable[[], datetime]:
    """The clock the kiosk uses: the system's unless `clock_start` is set."""
    start = getattr(station_section, "clock_start", "")
    if not start:
        return utc_now
    anchor = getattr(station_section, "clock_anchor", "")
    real_from = getattr(station_section, "clock_real_time_from", "")
    return ShiftedClock(parse_start(start), float(getattr(station_section, "clock_speed", 1.0)),
                        parse_start(anchor) if anchor else None,
                        real_from=parse_start(real_from) if real_from else None)
