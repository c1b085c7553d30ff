"""The gate every request passes before a route: who is calling, and how its body arrives.

`RequestGate` is ASGI middleware running on the event loop, per request:

- a URL holding a NUL character is refused (422): PostgreSQL cannot store one;
- a request that carries a body must first show a valid bearer token (401 before a single byte
  of the body is read), so an unauthenticated client cannot make the server hold memory for it.
  The only exceptions are the `doors`, the few routes that take a body from somebody not yet
  known by design (signing in, activating an account, a password reset, a payment provider's
  notification): their bodies are small (`door_limit`) and few at once (`max_door_bodies`), so
  the doors cannot be used to hold memory either. The web pages (`sessions`: a path prefix and a
  check of its session cookie) take the full limits from a signed-in browser, and the door's
  from anybody else (the sign-in form; a form posted after its session ended, which the page
  answers by sending the browser to sign in);
- at most `max_bodies` bodies are being received at once (503 with `Retry-After` beyond): even
  a valid token cannot pile up stalled uploads;
- a body must keep arriving: 408 when no byte came for `idle_seconds`, or the whole body did not
  arrive within `total_seconds` (`streamed_total_seconds` for the large uploads);
- a body larger than `limit` is refused with 413, declared (`Content-Length`) or streamed.
  Routes under a `streamed` prefix (the imports) read their body in bounded chunks themselves,
  with their own limit: their body is passed on unbuffered, with the same deadlines.

The caller found here is handed to the route (`auth.authenticate` reuses it), so a push costs
one token check, not two.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable

from starlette.requests import Request

from plateau.server.auth import PRINCIPAL_KEY, check_bearer
from plateau.server.errors import ApiError, error_response


class RequestGate:
    """ASGI middleware (event loop): authenticate before the body, then bound it in size and time."""

    def __init__(self, app, *, limit: int, streamed: dict[str, int] | None = None, idle_seconds: float = 10,
                 total_seconds: float = 60, streamed_total_seconds: float = 600, max_bodies: int = 32,
                 doors: tuple[str, ...] = (), door_limit: int = 64 * 1024, max_door_bodies: int = 8,
                 checkers: dict[str, Callable[[Request], Awaitable[object]]] | None = None,
                 sessions: dict[str, Callable[[Request], Awaitable[bool]]] | None = None):
        self.app, self.limit = app, limit
        self.sessions = dict(sessions or {})   # path prefix → is this request's web session live?
        self.checkers = dict(checkers or {})   # path prefix → its own token check (the family API's)
        self.doors, self.door_limit, self.max_door_bodies = tuple(doors), door_limit, max_door_bodies
        self.receiving_at_doors = 0
        self.streamed = dict(streamed or {})
        self.idle, self.total, self.streamed_total = idle_seconds, total_seconds, streamed_total_seconds
        self.max_bodies = max_bodies
        self.receiving = 0   # bodies being received now (one event loop: no lock needed)

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        path = scope.get("path", "")
        if "\x00" in path or b"%00" in scope.get("query_string", b""):
            return await _answer(scope, receive, send, 422, "invalid_request", "the URL contains a NUL character")
        headers = dict(scope.get("headers", ()))
        declared = headers.get(b"content-length")
        if declared is None and b"transfer-encoding" not in headers:
            return await self.app(scope, receive, send)   # no body: the route authenticates
        door = path.startswith(self.doors) if self.doors else False
        web = next((check for prefix, check in self.sessions.items() if path.startswith(prefix)), None)
        if web is not None and not door:
            door = not await web(Request(scope))
        limit = next((n for prefix, n in self.streamed.items() if path.startswith(prefix)), None)
        streamed = limit is not None and scope.get("method") == "POST" and not door
        limit = self.door_limit if door else limit if streamed else self.limit
        if declared is not None:
            try:
                size = int(declared)
            except ValueError:
                size = limit + 1
            if size > limit:
                return await _answer(scope, receive, send, 413, "request_too_large",
                                     f"the request body is larger than {limit} bytes")
            if size == 0:
                return await self.app(scope, receive, send)
        if not door and web is None:
            checker = next((c for prefix, c in self.checkers.items() if path.startswith(prefix)), None)
            try:   # before reading anything of the body
                if checker is not None:
                    await checker(Request(scope))
                else:
                    scope[PRINCIPAL_KEY] = await check_bearer(Request(scope))
            except ApiError as exc:
                return await _answer(scope, receive, send, exc.status, exc.error, exc.reason, exc.headers)
        if (self.receiving_at_doors >= self.max_door_bodies) if door else (self.receiving >= self.max_bodies):
            return await _answer(scope, receive, send, 503, "unavailable",
                                 "too many requests are sending their body now; retry in a moment",
                                 {"Retry-After": "1"})
        if door:
            self.receiving_at_doors += 1
        else:
            self.receiving += 1
        deadline = time.monotonic() + (self.streamed_total if streamed else self.total)
        timed = _TimedReceive(receive, self.idle, deadline,
                              self._done_at_door if door else self._done_receiving, limit)
        try:
            if streamed:
                return await self.app(scope, timed, send)
            try:
                body = await self._read(timed, limit)
            except ApiError as exc:
                return await _answer(scope, receive, send, exc.status, exc.error, exc.reason, exc.headers)
        finally:
            timed.finish()
        if body is None:
            return  # the client went away
        replayed = False

        async def replay():
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)

    def _done_receiving(self) -> None:
        self.receiving -= 1

    def _done_at_door(self) -> None:
        self.receiving_at_doors -= 1

    async def _read(self, receive, limit: int) -> bytes | None:
        # the whole body first (at most `limit` bytes are ever held), so an oversized streamed
        # body is answered 413 before any route parses it
        chunks, size = [], 0
        while True:
            message = await receive()
            if message["type"] != "http.request":
                return None
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > limit:
                raise ApiError(413, "request_too_large", f"the request body is larger than {limit} bytes")
            chunks.append(chunk)
            if not message.get("more_body", False):
                return b"".join(chunks)


class _TimedReceive:
    """`receive` with an idle and a total deadline (408 `ApiError` when one passes); calls
    `done` once, when the body has fully arrived or the request ends."""

    def __init__(self, receive, idle: float, deadline: float, done, limit: int):
        self.receive, self.idle, self.deadline, self._done = receive, idle, deadline, done
        self.limit, self.size = limit, 0   # a streamed body is counted too: 413 past its limit
        self.finished = False

    async def __call__(self):
        if self.finished:
            return await self.receive()
        left = self.deadline - time.monotonic()
        try:
            message = await asyncio.wait_for(self.receive(), timeout=max(0.0, min(self.idle, left)))
        except asyncio.TimeoutError:
            self.finish()
            if left <= self.idle:
                raise ApiError(408, "request_timeout", "the request body did not arrive in time") from None
            raise ApiError(408, "request_timeout", f"no byte of the request body came for {self.idle:g} s") \
                from None
        if message["type"] != "http.request" or not message.get("more_body", False):
            self.finish()
        if message["type"] == "http.request":
            self.size += len(message.get("body", b""))
            if self.size > self.limit:
                self.finish()
                raise ApiError(413, "request_too_large", f"the request body is larger than {self.limit} bytes")
        return message

    def finish(self) -> None:
        if not self.finished:
            self.finished = True
            self._done()


async def _answer(scope, receive, send, status: int, error: str, reason: str, headers: dict | None = None):
    await error_response(status, error, reason, headers)(scope, receive, send)
