"""Truncated exponential backoff with jitter, for connection errors, timeouts and 5xx.

Pure and clock-free (the caller sleeps), so it is unit-tested without waiting. Jitter
spreads the retries of a whole school's stations when the server comes back; the cap is
kept low (seconds, not minutes) because a station that was offline all morning must
drain its queue within seconds of the server's return.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field


@dataclass
class Backoff:
    """Delays for successive failures: ``base * 2**n`` capped at ``cap``, half of it jittered.

    Owned by one thread (each sync loop has its own).
    """

    base: float = 0.25
    cap: float = 5.0
    rng: random.Random = field(default_factory=random.Random)
    failures: int = 0

    def next_delay(self) -> float:
        """Record one more failure and return how long to wait before the next attempt."""
        ceiling = min(self.cap, self.base * (2 ** min(self.failures, 30)))
        self.failures += 1
        # "equal jitter": never less than half the ceiling (no hammering), never more than it
        return ceiling / 2 + self.rng.uniform(0, ceiling / 2)

    def reset(self) -> None:
        self.failures = 0
