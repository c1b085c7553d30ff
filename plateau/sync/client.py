"""The station's HTTP client for the central server's sync API (docs/protocol.md, HTTP API v1).

Translates everything `requests` and the server can do into three of our errors, so the
daemon decides with one `except` per kind of failure:

- `ServerUnreachable`: the request failed as a whole: connection refused or reset, timeout,
  5xx, a 404/408/413/429 or any answer that is not the server's JSON (a reverse proxy's HTML
  page, a truncated or corrupted body), a redirect. Transient: retried with backoff (and the
  server's Retry-After), never parks anything. `BatchTooLarge` (413) asks for smaller batches.
- `TokenRefused`: 401/403. The station was revoked or its token is wrong: stop, say so.
- `RequestRefused`: 400/409/422 with the server's own error body (`{"error", "reason"}`): the
  server read the request and refused it; sent again as is, it would be refused again.

Every request carries the station's telemetry headers (`plateau.sync.telemetry`: version, wall
clock, reader state, queue counts) for the office's Today page. Every answer carries the server's
``Date`` header turned into a clock-skew estimate. Every
request is bounded (`bounded.fetch`): an answer larger than `max_answer_bytes` is not read past
it, and the whole request (connection, answer read whole) has a deadline of its read timeout plus
twice `timeout`, which a server dripping bytes cannot stretch.
"""

from __future__ import annotations

import json
import logging
import time
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from typing import Any, Callable

import requests

from plateau import __version__
from plateau.sync.bounded import AnswerTooLarge, DeadlinePassed, bounded_session, fetch
from plateau.sync.protocol import (API_PREFIX, MAX_CURSOR, Change, ProtocolError, changes_page_head,
                                   parse_changes_page, parse_snapshot_page)
from plateau.sync import telemetry as tm

log = logging.getLogger(__name__)

PUSH_STATUSES = ("stored", "duplicate", "rejected")


class SyncError(Exception):
    """A sync request that did not succeed; `str()` is a sentence for staff and logs."""


class ServerUnreachable(SyncError):
    """The request failed as a whole (connection, timeout, 5xx, a proxy's 404/429/HTML page, a
    malformed or truncated answer): retry later. `retry_after`: seconds the server asked for."""

    def __init__(self, message: str, status: int | None = None, retry_after: float | None = None):
        super().__init__(message)
        self.status = status
        self.retry_after = retry_after


class BatchTooLarge(ServerUnreachable):
    """413: the request body was too large for the server or a proxy: send smaller batches."""


class TokenRefused(SyncError):
    """401/403: the station token was refused (revoked, wrong, or another site's)."""

    def __init__(self, message: str, reason: str = ""):
        super().__init__(message)
        self.reason = reason


class RequestRefused(SyncError):
    """400/409/422 with the server's own error body: the same request would be refused again."""

    def __init__(self, message: str, status: int, code: str = ""):
        super().__init__(message)
        self.status = status
        self.code = code


@dataclass(frozen=True)
class Page:
    """One validated page of the change feed."""

    changes: list[Change]
    cursor: int
    more: bool
    head: int | None           # the server's latest seq, when it says (progress of a first sync)
    skew: float | None


@dataclass(frozen=True)
class SnapshotPage:
    """One validated page of the site's snapshot (a first sync): its rows, as upserts."""

    rows: list[Change]
    cursor: int                # the feed position the snapshot was taken at
    day: str                   # the snapshot's day at the site
    after: str | None          # where the next page starts; None: this was the last one
    total: int | None          # first page only: the snapshot's number of rows
    skew: float | None

    @property
    def more(self) -> bool:
        return self.after is not None


@dataclass(frozen=True)
class PushAnswer:
    """The server's per-item answer to a push, validated against what was sent."""

    results: dict[str, tuple[str, str | None]]   # passage id -> (status, error)
    balances: list[dict]
    skew: float | None


def clock_skew(date_header: str | None, sent: float, received: float) -> float | None:
    """Server clock minus station clock, in seconds, from an HTTP ``Date`` header.

    `sent`/`received` are station wall-clock times (time.time()) around the request. The
    header has one-second resolution and is truncated, hence the half second added.
    """
    if not date_header:
        return None
    try:
        server = parsedate_to_datetime(date_header)
    except (TypeError, ValueError, IndexError):
        return None
    if server is None or server.tzinfo is None:
        return None
    return server.timestamp() + 0.5 - (sent + received) / 2


# statuses that mean "the server read this request and refused it" when they carry its error body
REFUSAL_STATUSES = (400, 409, 422)
RETRY_AFTER_CAP = 600.0   # a Retry-After beyond this is not believed (a proxy's misconfiguration)


def _server_error(content: bytes) -> tuple[str, str] | None:
    """(code, reason) when `content` is the server's error body `{"error": str, "reason": str}`."""
    try:
        body = json.loads(content)
    except (ValueError, UnicodeDecodeError):
        return None
    if isinstance(body, dict) and isinstance(body.get("error"), str) and isinstance(body.get("reason"), str):
        return body["error"], body["reason"]
    return None


def _error_text(content: bytes) -> tuple[str, str]:
    found = _server_error(content)
    return found if found else ("", content[:200].decode("utf-8", "replace"))


def retry_after(value: str | None, now: float) -> float | None:
    """Seconds to wait from a Retry-After header (seconds or an HTTP date), capped; None if absent."""
    if not value:
        return None
    value = value.strip()
    try:
        seconds = float(value) if value.replace(".", "", 1).isdigit() else \
            parsedate_to_datetime(value).timestamp() - now
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    return max(0.0, min(seconds, RETRY_AFTER_CAP))


def describe_answer(status: int, content_type: str, content: bytes, url: str) -> str:
    """A sentence for the status line: which answer, from where, and what it looked like."""
    kind = (content_type or "").split(";")[0].strip().lower()
    if _server_error(content):
        code, reason = _server_error(content)
        what = f"{code}: {reason[:160]}"
    elif "html" in kind or content.lstrip()[:1] == b"<":
        what = "an HTML page, not the server's answer (check [server] url and the reverse proxy)"
    elif not content:
        what = "an empty answer"
    else:
        what = f"not the server's answer ({len(content)} bytes of {kind or 'unknown type'})"
    return f"HTTP {status} from {url}: {what}"


def parse_push_answer(body: Any, sent_ids: set[str]) -> tuple[dict[str, tuple[str, str | None]], list[dict]]:
    """Validate a `POST /sync/passages` answer; raise ProtocolError on anything unexpected."""
    if not isinstance(body, dict) or not isinstance(body.get("results"), list):
        raise ProtocolError("the push answer has no list of results")
    results: dict[str, tuple[str, str | None]] = {}
    for item in body["results"]:
        if not isinstance(item, dict):
            raise ProtocolError("a push result must be an object")
        pid, status, error = item.get("id"), item.get("status"), item.get("error")
        if not isinstance(pid, str) or pid not in sent_ids:
            raise ProtocolError(f"the push answer names a passage that was not sent: {pid!r}")
        if status not in PUSH_STATUSES:
            raise ProtocolError(f"bad push status {status!r} for {pid}")
        if error is not None and not isinstance(error, str):
            raise ProtocolError(f"bad error for {pid}")
        if pid in results:
            raise ProtocolError(f"the push answer names {pid} twice")
        results[pid] = (status, error)
    balances = body.get("balances", [])
    if not isinstance(balances, list):
        raise ProtocolError("the push answer's balances must be a list")
    for b in balances:
        ok = isinstance(b, dict) and all(isinstance(b.get(k), int) and not isinstance(b.get(k), bool)
                                         for k in ("person", "balance_cents", "version"))
        if not ok:
            raise ProtocolError(f"bad balance in the push answer: {b!r}")
    return results, balances


class SyncClient:
    """HTTP calls to one server with one station token.

    Not thread-safe (one `requests.Session`): each sync loop thread owns its own client.
    """

    def __init__(self, url: str, token: str, *, timeout: float = 10.0, verify: bool = True,
                 clock: Callable[[], float] = time.time, max_answer_bytes: int = 16 * 2**20,
                 telemetry: Callable[[], dict[str, str]] | None = None):
        self.server = url.rstrip("/")  # named in every error: the status line says which server failed
        self.base = self.server + API_PREFIX
        self.timeout = timeout
        self.max_answer_bytes = max_answer_bytes
        self.clock = clock
        self.telemetry = telemetry   # the station's telemetry headers (TelemetrySource.headers)
        self.session = bounded_session()
        self.session.verify = verify
        self.session.headers.update({"Authorization": f"Bearer {token}",
                                     "User-Agent": f"plateau-sync/{__version__}",
                                     "Accept": "application/json", tm.VERSION: __version__})

    def close(self) -> None:
        self.session.close()

    # -- low level ----------------------------------------------------------------------------
    def _call(self, method: str, path: str, *, read_timeout: float, **kwargs) -> tuple[Any, float | None]:
        url = self.base + path
        sent = self.clock()
        deadline = read_timeout + 2 * self.timeout
        headers = {**(self.telemetry() if self.telemetry else {}), tm.CLOCK: f"{sent:.3f}"}
        try:
            # read it all here, bounded: a cut connection shows up now, not later
            resp, content = fetch(self.session, method, url, timeout=(min(self.timeout, 5.0), read_timeout),
                                  deadline=deadline, max_bytes=self.max_answer_bytes, allow_redirects=False,
                                  headers=headers, **kwargs)
        except AnswerTooLarge as exc:
            raise ServerUnreachable(f"the answer of {url} is larger than {_mib(self.max_answer_bytes)} "
                                    f"({exc}): not read ([server] max_answer_mib)") from exc
        except DeadlinePassed as exc:
            raise ServerUnreachable(f"the server at {url} did not finish its answer within the {deadline:.0f} s "
                                    "deadline") from exc
        except requests.Timeout as exc:
            raise ServerUnreachable(f"the server at {url} did not answer in time ({exc.__class__.__name__})") from exc
        except requests.RequestException as exc:
            raise ServerUnreachable(f"cannot reach the server at {url}: {_short(exc)}") from exc
        received = self.clock()
        skew = clock_skew(resp.headers.get("Date"), sent, received)
        status = resp.status_code
        if status in (401, 403):
            code, reason = _error_text(content)
            raise TokenRefused(f"station token refused: revoked or wrong (HTTP {status}"
                               + (f": {reason}" if reason else "") + f") by {self.server}", reason)
        if status in REFUSAL_STATUSES and _server_error(content):
            code, reason = _server_error(content)
            raise RequestRefused(f"the server {self.server} refused the request (HTTP {status} {code}: {reason})", status, code)
        if status != 200:
            # a request that failed as a whole: a reverse proxy's page, a rate limit, a server error
            message = describe_answer(status, resp.headers.get("Content-Type", ""), content, url)
            if 300 <= status < 400:
                message += f" (redirected to {resp.headers.get('Location', '?')[:120]})"
            wait = retry_after(resp.headers.get("Retry-After"), received) if status in (429, 503) else None
            raise (BatchTooLarge if status == 413 else ServerUnreachable)(message, status, wait)
        try:
            body = json.loads(content)
        except (ValueError, UnicodeDecodeError) as exc:
            raise ServerUnreachable(f"the answer of {url} is not valid JSON ({len(content)} bytes)") from exc
        return body, skew

    # -- the API ------------------------------------------------------------------------------
    def health(self) -> float | None:
        """`GET /health`: returns the clock skew (raises like every call)."""
        _, skew = self._call("GET", "/health", read_timeout=self.timeout)
        return skew

    def changes(self, since: int, *, limit: int = 1000, wait: float = 0) -> Page:
        """One page of the change feed after `since`, validated as a whole."""
        params = {"since": since, "limit": limit}
        if wait > 0:
            params["wait"] = int(wait)
        body, skew = self._call("GET", "/sync/changes", params=params, read_timeout=wait + self.timeout)
        try:
            changes, cursor, more = parse_changes_page(body)
        except ProtocolError as exc:
            raise ServerUnreachable(f"malformed change feed page after {since} from {self.server}: {exc}") from exc
        _check_cursor(body, cursor, since, changes)
        if cursor < since:
            if changes:
                raise ServerUnreachable(f"the change feed of {self.server} went backwards ({cursor} < {since})")
            # the server's feed ends before our checkpoint (restored from an older backup): follow
            # it from its end, so the changes it makes from now on are not skipped
            log.warning("the server's change feed ends at %d, before this station's cursor %d "
                        "(server restored from a backup?): following it from there", cursor, since)
        if changes and changes[0].seq <= since:
            raise ServerUnreachable(f"the change feed of {self.server} repeated changes at or before {since}")
        return Page(changes, cursor, more, changes_page_head(body), skew)

    def snapshot(self, cursor: int | None = None, day: str | None = None, after: str | None = None, *,
                 limit: int = 1000) -> SnapshotPage:
        """One page of the site's snapshot (`GET /sync/snapshot`), validated as a whole. The first
        page (no cursor; `day`: the earliest day the station wants, else the site's today) fixes
        the snapshot's cursor and day; later pages send them back with the previous page's `after`."""
        params: dict = {"limit": limit}
        if day is not None:
            params["day"] = day
        if cursor is not None:
            params["cursor"] = cursor
        if after is not None:
            params["after"] = after
        body, skew = self._call("GET", "/sync/snapshot", params=params, read_timeout=self.timeout)
        try:
            rows, got_cursor, got_day, got_after, total = parse_snapshot_page(
                body, cursor, day if cursor is not None else None)
        except ProtocolError as exc:
            raise ServerUnreachable(f"malformed snapshot page from {self.server}: {exc}") from exc
        return SnapshotPage(rows, got_cursor, got_day, got_after, total, skew)

    def push(self, passages: list[dict]) -> PushAnswer:
        """`POST /sync/passages` with wire-format passages; per-item results."""
        try:
            body, skew = self._call("POST", "/sync/passages", json={"passages": passages},
                                    read_timeout=self.timeout)
        except TokenRefused as exc:
            # the token is fine but a passage names another station (the station's id was changed
            # in its config with passages still queued): refuse those passages, not the station
            if "may not push passages of station" in exc.reason:
                raise RequestRefused(f"passage refused by the server {self.server}: {exc.reason}", 403,
                                     "forbidden") from exc
            raise
        try:
            results, balances = parse_push_answer(body, {p["id"] for p in passages})
        except ProtocolError as exc:
            raise ServerUnreachable(f"malformed push answer from {self.server}: {exc}") from exc
        return PushAnswer(results, balances, skew)


    def push_card_events(self, events: list[dict]) -> PushAnswer:
        """`POST /sync/card-events` with wire-format card events (cards blocked at the kiosk);
        per-item results, validated like a passage push (no balances)."""
        body, skew = self._call("POST", "/sync/card-events", json={"events": events}, read_timeout=self.timeout)
        if isinstance(body, dict) and "balances" in body:
            raise ServerUnreachable(f"malformed card-event answer from {self.server}: unexpected balances")
        try:
            results, _ = parse_push_answer(body, {e["id"] for e in events})
        except ProtocolError as exc:
            raise ServerUnreachable(f"malformed card-event answer from {self.server}: {exc}") from exc
        return PushAnswer(results, [], skew)


def _check_cursor(body: dict, cursor: int, since: int, changes: list[Change]) -> None:
    """Refuse a cursor the station must never store: beyond what any server takes (a stored
    10^30 made the real server refuse every pull after it), beyond the server's own `head`, or,
    from a server that does not send `head`, beyond both the last change and `since`."""
    head = body.get("head")
    if cursor > MAX_CURSOR:
        raise ServerUnreachable(f"the change feed's cursor {str(cursor)[:24]} is not a sane position: not stored")
    if isinstance(head, int) and not isinstance(head, bool):
        if cursor > head:
            raise ServerUnreachable(f"the change feed's cursor {cursor} is beyond its head {head}: not stored")
    elif cursor > max(since, changes[-1].seq if changes else since):
        raise ServerUnreachable(f"the change feed's cursor {cursor} is beyond its last change: not stored")


def _mib(n: int) -> str:
    return f"{n / 2**20:g} MiB"


def _short(exc: Exception) -> str:
    text = str(exc)
    # urllib3 wraps the useful part in layers of reprs; the innermost reason is enough for staff
    for marker in ("Connection refused", "Connection reset", "Name or service not known", "timed out",
                   "Remote end closed connection", "IncompleteRead", "Connection broken"):
        if marker in text:
            return marker.lower()
    return text[:160]
