"""`GET /api/v1/health`: liveness and version, no authentication."""

from __future__ import annotations

from fastapi import APIRouter

from plateau import __version__
from plateau.server.schemas import Health

router = APIRouter(tags=["health"])


@router.get("/health", response_model=Health)
def health() -> Health:
    return Health(status="ok", version=__version__)
