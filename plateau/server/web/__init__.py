"""The web pages served by `plateau server`: the shared foundation (templates, static files,
sessions, CSRF, password hashing, i18n, French collation) and, in their own
packages, the office (`office/`, under `/office/`) and the Espace Famille (`famille/`, under
`/famille/`).

`mount(app)` is the one call `create_app` makes. Nothing here opens a file, a port or a
database at import time: the database is `request.app.state.db`, opened by the app's lifespan.
"""

from __future__ import annotations

from plateau.server.web.paths import STATIC, TEMPLATES  # noqa: F401  (where they have always been named)


def mount(app) -> None:
    """Serve the office, the Espace Famille and their static files on `app`."""
    from fastapi.staticfiles import StaticFiles

    from plateau.server.web.errors import install_handlers
    from plateau.server.web.famille import router as famille_router
    from plateau.server.web.office import router as office_router

    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    # the portal first: the office's router ends with its own catch-all 404 for `/office/...`, and
    # the office's page of online payments lives with the portal's money pages
    app.include_router(famille_router())
    app.include_router(office_router())
    install_handlers(app)
