"""Per-process metrics in Prometheus' text format (`GET /metrics`, admin token).

Counters and histograms are plain numbers updated on the event-loop thread (the routes and the
notifier run there), so no lock. Each server process has its own: a scraper asks every process
(each answers for itself, with its pid as a label) or reads them through the balancer as samples.
"""

from __future__ import annotations

import gc
import os
import time
from bisect import bisect_left

# seconds: from a few milliseconds (a push, a wake-up) to the longest long-poll
BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0)


class Histogram:
    def __init__(self) -> None:
        self.counts = [0] * (len(BUCKETS) + 1)
        self.total = 0.0
        self.n = 0

    def observe(self, seconds: float) -> None:
        seconds = max(0.0, seconds)
        self.counts[bisect_left(BUCKETS, seconds)] += 1
        self.total += seconds
        self.n += 1

    def lines(self, name: str, labels: str) -> list[str]:
        out, running = [], 0
        for bound, count in zip(BUCKETS, self.counts):
            running += count
            out.append(f'{name}_bucket{{{labels},le="{bound}"}} {running}')
        out.append(f'{name}_bucket{{{labels},le="+Inf"}} {self.n}')
        out.append(f"{name}_sum{{{labels}}} {self.total:.6f}")
        out.append(f"{name}_count{{{labels}}} {self.n}")
        return out


class Metrics:
    """What one server process counts. Event-loop thread."""

    def __init__(self) -> None:
        self.pushes = 0                 # push requests answered
        self.passages_pushed = 0        # passages in them
        self.push_commits = 0           # transactions that stored them (group commit: fewer than pushes)
        self.push_seconds = Histogram()
        self.long_polls_waiting = 0     # requests waiting for their site's next change right now
        self.wakeups = 0                # site wake-ups handed to waiting long-polls
        self.wakeup_seconds = Histogram()   # commit (writer's clock) -> wake-up here (time.time())

    def render(self, engine=None, extra: dict[str, float] | None = None) -> str:
        labels = f'pid="{os.getpid()}"'
        lines = [
            "# TYPE plateau_pushes_total counter", f"plateau_pushes_total{{{labels}}} {self.pushes}",
            "# TYPE plateau_passages_pushed_total counter",
            f"plateau_passages_pushed_total{{{labels}}} {self.passages_pushed}",
            "# TYPE plateau_push_commits_total counter",
            f"plateau_push_commits_total{{{labels}}} {self.push_commits}",
            "# TYPE plateau_push_seconds histogram", *self.push_seconds.lines("plateau_push_seconds", labels),
            "# TYPE plateau_long_polls_waiting gauge",
            f"plateau_long_polls_waiting{{{labels}}} {self.long_polls_waiting}",
            "# TYPE plateau_wakeups_total counter", f"plateau_wakeups_total{{{labels}}} {self.wakeups}",
            "# TYPE plateau_wakeup_seconds histogram", *self.wakeup_seconds.lines("plateau_wakeup_seconds", labels),
        ]
        pool = getattr(engine, "pool", None)
        if pool is not None and hasattr(pool, "checkedout"):
            lines += ["# TYPE plateau_db_pool_size gauge", f"plateau_db_pool_size{{{labels}}} {pool.size()}",
                      "# TYPE plateau_db_pool_checked_out gauge",
                      f"plateau_db_pool_checked_out{{{labels}}} {pool.checkedout()}",
                      "# TYPE plateau_db_pool_overflow gauge", f"plateau_db_pool_overflow{{{labels}}} {pool.overflow()}"]
        lines += _gc_lines(labels)
        for name, value in (extra or {}).items():
            lines += [f"# TYPE {name} gauge", f"{name}{{{labels}}} {value}"]
        return "\n".join(lines) + "\n"


# The collector's pauses (every thread of the process waits for them): what tells an operator
# that `cli_server.tune_gc` holds. One collection runs at a time, under the interpreter lock, so
# its callbacks never race each other; `render` only reads.
GC_PAUSES = Histogram()
_gc_started: list[float] = []


def _on_gc(phase: str, _info: dict) -> None:
    if phase == "start":
        _gc_started[:] = [time.perf_counter()]
    elif _gc_started:
        GC_PAUSES.observe(time.perf_counter() - _gc_started.pop())


def watch_gc() -> None:
    """Time this process's garbage collections (once per process)."""
    if _on_gc not in gc.callbacks:
        gc.callbacks.append(_on_gc)


def _gc_lines(labels: str) -> list[str]:
    lines = ["# TYPE plateau_gc_collections_total counter"]
    lines += [f'plateau_gc_collections_total{{{labels},generation="{n}"}} {stats["collections"]}'
              for n, stats in enumerate(gc.get_stats())]
    lines += ["# TYPE plateau_gc_frozen_objects gauge", f"plateau_gc_frozen_objects{{{labels}}} {gc.get_freeze_count()}"]
    if _on_gc in gc.callbacks:
        lines += ["# TYPE plateau_gc_pause_seconds histogram", *GC_PAUSES.lines("plateau_gc_pause_seconds", labels)]
    return lines
