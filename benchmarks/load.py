"""The load both server benchmarks drive: long-polling stations and a paced pusher.

The load generator must not be the bottleneck: the stations long-poll through a bare asyncio
HTTP/1.1 client (keep-alive, one connection each), and the pushes come from another process (its
own interpreter and GIL), paced at a fixed rate by a small thread pool, timed there.

Instants compared across the two processes (a push sent by the pusher, its passage arriving at a
station) are `time.time()` on both sides: the wall clock is the only clock two processes share
(`time.perf_counter()` has an arbitrary origin per process). Durations measured within one
process use `time.perf_counter()`.
"""

from __future__ import annotations

import asyncio
import json
import random
import threading
import time
import uuid
from datetime import datetime, timezone


def passage(person_id, station, at, price=420):
    return {"id": str(uuid.uuid4()), "station": station, "at": at.isoformat(), "local_date": at.date().isoformat(),
            "service": "dejeuner", "card_uid": None, "person_id": person_id, "kind": "badge", "accepted": True,
            "reason": "ok", "price_cents": price, "balance_after_cents": None, "staff_id": None, "motive": None,
            "ref": None, "warnings": []}


async def station(url, token, stop, stats, ready, arrivals=None):
    """One station long-polling `url` until `stop`: counts answers and errors in `stats`, adds its
    token to `ready` once caught up, and (if `arrivals` is a list) notes (passage id, time.time())
    for each passage that reached it after its first page."""
    host, port = url.split("//")[1].split(":")
    cursor = 0
    reader = writer = None
    while not stop.is_set():
        try:
            if writer is None:
                reader, writer = await asyncio.open_connection(host, int(port))
            writer.write((f"GET /api/v1/sync/changes?since={cursor}&wait=25&limit=500 HTTP/1.1\r\n"
                          f"Host: {host}\r\nAuthorization: Bearer {token}\r\n\r\n").encode())
            head = await reader.readuntil(b"\r\n\r\n")
            length = next(int(line.split(b":")[1]) for line in head.split(b"\r\n")
                          if line.lower().startswith(b"content-length:"))
            body = json.loads(await reader.readexactly(length))
            now = time.time()
            if arrivals is not None and cursor:   # the first page is the catch-up, not a wake-up
                arrivals.extend((c["key"], now) for c in body["changes"] if c["kind"] == "passage")
            cursor = body["cursor"]
            stats["answers"] += 1
            ready.add(token)
        except asyncio.CancelledError:
            raise
        except Exception:  # noqa: BLE001 - counted; the station reconnects as a real one would
            stats["errors"] += 1
            if writer is not None:
                writer.close()
            reader = writer = None
            await asyncio.sleep(0.5)
    if writer is not None:
        writer.close()


async def stations_polling(placed, until_ready: float = 180):
    """Start a station task per (url, token); return (tasks, stop, stats, ready, arrivals) once
    every station has caught up (or `until_ready` seconds passed), with the counts zeroed."""
    stop, stats, ready = asyncio.Event(), {"answers": 0, "errors": 0}, set()
    arrivals: dict[str, list] = {token: [] for _url, token in placed}
    tasks = [asyncio.create_task(station(url, token, stop, stats, ready, arrivals[token])) for url, token in placed]
    started = time.perf_counter()
    while len(ready) < len(tasks) and time.perf_counter() - started < until_ready:
        await asyncio.sleep(0.2)
    stats["answers"] = stats["errors"] = 0
    return tasks, stop, stats, ready, arrivals


async def stop_polling(tasks, stop) -> None:
    stop.set()
    for t in tasks:
        t.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)


def _pusher(jobs, seconds, rate, workers, out):
    """Its own process: push one passage at a time at `rate`/s, each by a random job (url, station,
    token, person); put ({passage id: sent at, time.time()}, latencies, errors)."""
    from concurrent.futures import ThreadPoolExecutor

    import requests

    local = threading.local()
    rng = random.Random(5)
    at = datetime(2026, 11, 23, 11, 30, tzinfo=timezone.utc)
    sent = {}

    def one(job):
        url, station_id, token, person = job
        http = getattr(local, "http", None) or requests.Session()
        local.http = http
        item = passage(person, station_id, at)
        sent[item["id"]] = time.time()
        t0 = time.perf_counter()
        try:
            ok = http.post(url + "/api/v1/sync/passages", json={"passages": [item]},
                           headers={"Authorization": f"Bearer {token}"}, timeout=60).status_code == 200
        except requests.RequestException:
            ok = False
        return time.perf_counter() - t0, ok

    with ThreadPoolExecutor(max_workers=workers) as pool:
        futures, t_end, next_at = [], time.perf_counter() + seconds, time.perf_counter()
        while time.perf_counter() < t_end:
            futures.append(pool.submit(one, rng.choice(jobs)))
            next_at += 1 / rate
            time.sleep(max(0.0, next_at - time.perf_counter()))
        results = [f.result() for f in futures]
    out.put((dict(sent), [r[0] for r in results], sum(1 for r in results if not r[1])))


def push_at_rate(jobs, seconds, rate, workers=32):
    """Run the pusher in a forked process; ({id: sent at}, latencies in seconds, errors)."""
    import multiprocessing as mp

    ctx = mp.get_context("fork")
    out = ctx.Queue()
    proc = ctx.Process(target=_pusher, args=(jobs, seconds, rate, workers, out))
    proc.start()
    result = out.get(timeout=seconds + 180)
    proc.join(timeout=30)
    return result


def wakeups(sent: dict, arrivals: dict) -> list[float]:
    """For every (station, passage of its site) pair: from the push sent to the passage received."""
    return [at - sent[pid] for got in arrivals.values() for pid, at in got if pid in sent]
