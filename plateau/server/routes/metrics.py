"""`GET /metrics`: this process's metrics in Prometheus' text format (admin token).

Pushes (count, passages, duration histogram), long-polls waiting now, wake-ups (count and the
latency from the writer's commit to the wake-up, across processes), the database pool's use,
and whether this process holds the background jobs' advisory lock. Per process: see metrics.py.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import PlainTextResponse

from plateau.server.auth import Admin

router = APIRouter(tags=["metrics"])


@router.get("/metrics", response_class=PlainTextResponse, include_in_schema=False)  # outside the API prefix
async def metrics(request: Request, _admin: Admin) -> PlainTextResponse:
    state = request.app.state
    notifier = state.notifier
    listener = notifier.listener
    extra = {"plateau_background_leader": int(notifier.is_leader),
             "plateau_feed_listener_connected": int(listener.connected) if listener is not None else 1,
             "plateau_feed_channels": listener.channels if listener is not None else 0}
    notifier.metrics.push_commits = state.push_writer.groups   # counted on the writer threads
    return PlainTextResponse(notifier.metrics.render(state.db.engine, extra),
                             media_type="text/plain; version=0.0.4; charset=utf-8")
