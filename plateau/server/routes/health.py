"""`GET /api/v1/health`: can this process serve? No authentication (a load balancer's check).

200 with the version when the database answers; 503 (`database_unreachable`) when it does not,
so a balancer sends the stations to another process. The database check is one `SELECT 1`,
remembered for a second: a balancer checking every second costs one query per process.
"""

from __future__ import annotations

import time

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from plateau import __version__
from plateau.server.schemas import Health

router = APIRouter(tags=["health"])

FRESH_SECONDS = 1.0


@router.get("/health", response_model=Health, responses={503: {"description": "the database is unreachable"}})
def health(request: Request):
    state = request.app.state
    checked = getattr(state, "health_checked", None)
    now = time.monotonic()
    if checked is None or now - checked[0] > FRESH_SECONDS:
        try:
            state.db.ping()
            checked = (now, None)
        except Exception as exc:  # any failure means: do not send stations here
            checked = (now, str(exc).strip().splitlines()[0][:200] if str(exc).strip() else type(exc).__name__)
        state.health_checked = checked
    if checked[1] is not None:
        return JSONResponse({"error": "database_unreachable",
                             "reason": f"this server process cannot reach its database: {checked[1]}"},
                            status_code=503)
    return Health(status="ok", version=__version__)
