"""Errors of the web pages, answered as HTML pages (the JSON API keeps its own error bodies).

`NotSignedIn` sends the browser to the sign-in page (an htmx fragment request gets an
`HX-Redirect` header instead, so the whole page goes there); `WebError` shows an error page
with its status (403 forbidden, 404 not found, 429 too many attempts, 400 bad form...).
"""

from __future__ import annotations

from urllib.parse import quote

from fastapi.responses import RedirectResponse, Response


class WebError(Exception):
    def __init__(self, status: int, message: str, headers: dict | None = None):
        super().__init__(message)
        self.status, self.message, self.headers = status, message, headers or {}


class NotSignedIn(Exception):
    def __init__(self, login_path: str, next_path: str):
        super().__init__(login_path)
        self.login_path, self.next_path = login_path, next_path


def install_handlers(app) -> None:
    """After the JSON API's handlers: the web's own errors, and a malformed web address (e.g.
    /office/persons/abc) answered as an HTML 404 while the API keeps its JSON 422."""
    from fastapi.exceptions import RequestValidationError

    from plateau.server.web.templating import render

    api_validation = app.exception_handlers.get(RequestValidationError)

    @app.exception_handler(RequestValidationError)
    async def _validation(request, exc):
        if request.url.path.startswith("/office/") or api_validation is None:
            from plateau.server.web.i18n import gettext, request_lang

            return render(request, "error.html", {"status": 404,
                                                  "message": gettext(request_lang(request))("Not found.")},
                          status=404)
        return await api_validation(request, exc)

    @app.exception_handler(WebError)
    async def _web_error(request, exc: WebError):
        return render(request, "error.html", {"status": exc.status, "message": exc.message},
                      status=exc.status, headers=exc.headers)

    @app.exception_handler(NotSignedIn)
    async def _not_signed_in(request, exc: NotSignedIn):
        target = f"{exc.login_path}?next={quote(exc.next_path, safe='/')}"
        if request.headers.get("hx-request"):
            return Response(status_code=204, headers={"HX-Redirect": target})
        return RedirectResponse(target, status_code=303)
