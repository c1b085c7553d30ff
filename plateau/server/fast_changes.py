"""The fast path of station long-polls: `GET /api/v1/sync/changes` answered without FastAPI's routing.

500 long-polling stations woken about once a second each make ~500 answers (and as many new
requests) a second per server process. Through FastAPI, each cost ~2 ms of Python on the event
loop (route matching, dependency injection, query validation, the response object, ...): the
loop was busy most of the time and the pushes waited behind the answers. This ASGI middleware
(on the event loop, after `request_gate.RequestGate`) answers the common case itself, with the
same code as the route (`routes.sync.feed_page`: the shared per-site read, its JSON encoded once
per read on the thread pool, the token checked again after a wait):

- a `GET` of exactly that path, without a body, whose query holds only `since`, `limit` and
  `wait` in their plain decimal form and within the route's bounds;
- with a station token the server remembers and that is still fresh (`auth.remembered`: the
  same cache and lifetime as the route's check).

Anything else (the first request of a station, whose token is looked up; an admin token; a
`site`, a malformed or out-of-range parameter, an unknown one, a percent-escape) goes on to the
route, so every error is the route's own. The station's telemetry headers are noted as the
route's dependency does (`station_telemetry.note_station`).
"""

from __future__ import annotations

import re
import time

from starlette.datastructures import Headers

from plateau.server.auth import bearer_digest, remembered
from plateau.server.errors import ApiError, error_response
from plateau.server.routes.sync import MAX_WAIT, feed_page
from plateau.server.station_telemetry import recorder
from plateau.sync.protocol import API_PREFIX

PATH = f"{API_PREFIX}/sync/changes"
# the route's bounds (routes/sync.py's Query declarations); plain decimals only, no leading zero
_PLAIN = {"since": re.compile(r"0|[1-9][0-9]{0,18}"), "limit": re.compile(r"[1-9][0-9]{0,3}"),
          "wait": re.compile(r"(0|[1-9][0-9]?)(\.[0-9]{1,6})?")}
_DEFAULTS = {"since": 0, "limit": 500, "wait": 0.0}
_JSON_HEADERS = b"application/json"


def parse_query(raw: bytes) -> dict | None:
    """{since, limit, wait} when the query is in the plain form the route would accept, else None."""
    asked = dict(_DEFAULTS)
    if not raw:
        return asked
    try:
        text = raw.decode("ascii")
    except UnicodeDecodeError:
        return None
    seen = set()
    for part in text.split("&"):
        name, sep, value = part.partition("=")
        form = _PLAIN.get(name)
        if not sep or form is None or name in seen or not form.fullmatch(value):
            return None
        seen.add(name)
        asked[name] = float(value) if name == "wait" else int(value)
    if asked["since"] > 2**62 or asked["limit"] > 5000 or asked["wait"] > MAX_WAIT:
        return None
    return asked


class ChangesFastPath:
    """ASGI middleware: answers the plain long-polls of remembered station tokens, passes the rest."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http" or scope.get("path") != PATH or scope.get("method") != "GET":
            return await self.app(scope, receive, send)
        caller = None
        asked = parse_query(scope.get("query_string", b""))
        if asked is not None:
            caller = _station(scope)
        if caller is None:
            return await self.app(scope, receive, send)   # the route: its checks, its errors
        app = scope["app"]
        headers = Headers(scope=scope)
        recorder(app).note(caller.site_id, caller.station_id, headers)

        def request_of():
            from starlette.requests import Request

            return Request(scope, receive)

        try:
            body = await feed_page(app, request_of, caller.site_id, asked["since"], asked["limit"], asked["wait"])
        except ApiError as exc:   # the token was revoked while the request waited
            return await error_response(exc.status, exc.error, exc.reason, exc.headers)(scope, receive, send)
        await send({"type": "http.response.start", "status": 200,
                    "headers": [(b"content-length", str(len(body)).encode()), (b"content-type", _JSON_HEADERS)]})
        await send({"type": "http.response.body", "body": body})


def _station(scope):
    """The remembered, fresh station caller of this request, or None (then the route decides)."""
    header = None
    for name, value in scope.get("headers", ()):
        if name == b"authorization":
            if header is None:   # the first one, as the route reads it
                header = value.decode("latin-1")
        elif name in (b"content-length", b"transfer-encoding"):
            return None   # a GET with a body: the gate and the route deal with it
    if header is None:
        return None
    try:
        digest = bearer_digest(header)
    except ApiError:
        return None
    app = scope.get("app")
    if app is None:
        return None
    caller = remembered(app.state, digest, time.monotonic())
    if caller is None or caller.is_admin or caller.station_id is None or caller.site_id is None:
        return None
    return caller
