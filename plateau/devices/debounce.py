"""Debounce: a card lying on a reader is one read, a different card is read at once.

Cheap 13.56 MHz readers re-report the card every ~100 ms while it lies on the reader, and
125 kHz readers repeat their frame as long as the tag is in the field. The window slides:
each repeat of the same UID extends it, so a card left on the reader is never read twice,
and a pupil must take the card away for `window` before it counts again.
"""

from __future__ import annotations

import time
from typing import Callable


class Debouncer:
    """Decides whether a UID seen at a given instant is a new read.

    Not thread-safe on purpose: each reader owns one and calls it from its own thread.
    """

    def __init__(self, window_ms: int = 1500, clock: Callable[[], float] = time.monotonic) -> None:
        if window_ms < 0:
            raise ValueError("debounce window must be zero or positive")
        self.window = window_ms / 1000.0
        self._clock = clock
        self._last_seen: dict[str, float] = {}

    def accept(self, uid: str, now: float | None = None) -> bool:
        """True if `uid` is a new read; False if it repeats a card seen less than `window` ago."""
        now = self._clock() if now is None else now
        last = self._last_seen.get(uid)
        self._last_seen[uid] = now
        if len(self._last_seen) > 64:
            # bounded memory: only cards seen within the window matter
            self._last_seen = {u: t for u, t in self._last_seen.items() if now - t < self.window}
            self._last_seen[uid] = now
        return last is None or now - last >= self.window

    def reset(self) -> None:
        """Forget every card (after a replug, the next presentation is a new read)."""
        self._last_seen.clear()
