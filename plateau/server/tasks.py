"""Background tasks on the server's event loop that stop cleanly (cancel, then await them), and
the periodic jobs run once per database (`LeaderJob`)."""

from __future__ import annotations

import asyncio
import logging
from typing import Any, Callable

from starlette.concurrency import run_in_threadpool

log = logging.getLogger(__name__)


class BackgroundTask:
    """Subclasses set `name` and write `_run()`; `start()` and `stop()` run on the event-loop thread."""

    name = "background-task"
    _task: asyncio.Task | None = None

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name=self.name)

    async def stop(self) -> None:
        if self._task:
            self._task.cancel()
            try:
                await self._task
            except asyncio.CancelledError:
                pass

    async def _run(self) -> None:
        raise NotImplementedError


class LeaderJob(BackgroundTask):
    """`work()` on the thread pool `first_delay` seconds after start, then every `every` seconds,
    in the process that runs the jobs that must run once per database (`leader()`: the holder of
    the PostgreSQL advisory lock, `pg_listen.py`; always on SQLite). Another process looks again
    every minute at most, to take over soon when the leader goes. A failed round is logged and
    the next one comes: upkeep never takes the server down. Subclasses set `name` and write
    `work()` and `done(result)` (event-loop thread: log what the round did)."""

    def __init__(self, *, first_delay: float, every: float, leader: Callable[[], bool] = lambda: True):
        self.first_delay, self.every, self.leader = first_delay, every, leader

    def work(self) -> Any:
        raise NotImplementedError

    def done(self, result: Any) -> None:
        pass

    async def _run(self) -> None:
        await asyncio.sleep(self.first_delay)
        while True:
            pause = self.every
            try:
                if self.leader():
                    self.done(await run_in_threadpool(self.work))
                else:
                    log.debug("%s: another server process runs it", self.name)
                    pause = min(self.every, 60)
            except asyncio.CancelledError:
                raise
            except Exception:  # upkeep must never take the server down
                log.warning("%s failed", self.name, exc_info=True)
            await asyncio.sleep(pause)
