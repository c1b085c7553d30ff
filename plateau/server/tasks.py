"""A background task on the server's event loop that stops cleanly (cancel, then await it)."""

from __future__ import annotations

import asyncio


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
