"""Several server processes on one PostgreSQL: many long-polling stations, passages at a steady rate.

Two real `plateau server` processes on loopback share a throwaway PostgreSQL cluster; the
stations (10 per site) long-poll them, half on each (as a balancer would spread them), through
a bare asyncio HTTP/1.1 client; passages are pushed from another process at a fixed rate by
random stations, each to its own server process. Measured:

- push latency (sent → answered), p50/p99, against the baseline of the same pushes with nobody
  long-polling, on the same two processes, in the same run;
- wake-up latency: for every (station, passage of its site) pair, from the push being sent to the
  passage arriving in that station's long-poll answer, p50/p99 (time.time() on both sides: the
  pusher and the pollers are two processes of one machine, sharing the wall clock);
- errors on either side.

PostgreSQL only (several processes are refused on SQLite); skipped when it is not installed.
"""

from __future__ import annotations

import asyncio
import json
import time
from datetime import datetime, timezone

from benchmarks.bench_server import _passage, _pct, _pg_cluster, _setup
from tests.support.server import running_server


async def _station(host, port, token, stop, stats, ready, arrivals):
    cursor = 0
    reader = writer = None
    while not stop.is_set():
        try:
            if writer is None:
                reader, writer = await asyncio.open_connection(host, port)
            writer.write((f"GET /api/v1/sync/changes?since={cursor}&wait=25&limit=500 HTTP/1.1\r\n"
                          f"Host: {host}\r\nAuthorization: Bearer {token}\r\n\r\n").encode())
            head = await reader.readuntil(b"\r\n\r\n")
            length = next(int(line.split(b":")[1]) for line in head.split(b"\r\n")
                          if line.lower().startswith(b"content-length:"))
            body = json.loads(await reader.readexactly(length))
            now = time.time()
            if cursor:   # the first page is the catch-up, not a wake-up
                arrivals.extend((c["key"], now) for c in body["changes"] if c["kind"] == "passage")
            cursor = body["cursor"]
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


def _pusher(jobs, seconds, rate, out):
    """Its own process: push one passage at a time at `rate`/s; {id: sent at}, latencies, errors."""
    import random
    import threading
    from concurrent.futures import ThreadPoolExecutor

    import requests

    local = threading.local()
    rng = random.Random(5)
    at = datetime(2026, 11, 23, 11, 30, tzinfo=timezone.utc)
    sent = {}

    def one(job):
        url, station, token, person = job
        http = getattr(local, "http", None) or requests.Session()
        local.http = http
        passage = _passage(person, station, at)
        sent[passage["id"]] = time.time()
        t0 = time.perf_counter()
        try:
            ok = http.post(url + "/api/v1/sync/passages", json={"passages": [passage]},
                           headers={"Authorization": f"Bearer {token}"}, timeout=60).status_code == 200
        except requests.RequestException:
            ok = False
        return time.perf_counter() - t0, ok

    with ThreadPoolExecutor(max_workers=32) as pool:
        futures, t_end, next_at = [], time.perf_counter() + seconds, time.perf_counter()
        while time.perf_counter() < t_end:
            futures.append(pool.submit(one, rng.choice(jobs)))
            next_at += 1 / rate
            time.sleep(max(0.0, next_at - time.perf_counter()))
        results = [f.result() for f in futures]
    out.put((dict(sent), [r[0] for r in results], sum(1 for r in results if not r[1])))


def _push(jobs, seconds, rate):
    import multiprocessing as mp

    ctx = mp.get_context("fork")
    out = ctx.Queue()
    proc = ctx.Process(target=_pusher, args=(jobs, seconds, rate, out))
    proc.start()
    result = out.get(timeout=seconds + 180)
    proc.join(timeout=30)
    return result


async def _load(placed, jobs, seconds, rate):
    stop, stats, ready = asyncio.Event(), {"errors": 0}, set()
    arrivals: dict[str, list] = {}
    tasks = []
    for url, site, token in placed:
        host, port = url.split("//")[1].split(":")
        arrivals[token] = []
        tasks.append(asyncio.create_task(_station(host, int(port), token, stop, stats, ready, arrivals[token])))
    started = time.perf_counter()
    while len(ready) < len(tasks) and time.perf_counter() - started < 180:
        await asyncio.sleep(0.2)
    caught_up, stats["errors"] = len(ready), 0
    sent, latencies, errors = await asyncio.get_running_loop().run_in_executor(None, _push, jobs, seconds, rate)
    await asyncio.sleep(2)   # the last wake-ups arrive
    stop.set()
    for t in tasks:
        t.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    wakes = [at - sent[pid] for got in arrivals.values() for pid, at in got if pid in sent]
    return latencies, errors, stats["errors"], caught_up, wakes


def bench_cluster(db_url, stations, rate, seconds):
    sites = stations // 10
    db, made = _setup(db_url, sites=sites, stations_per_site=10, persons_per_site=20)
    db.engine.dispose()
    with running_server(db_url) as a, running_server(db_url) as b:
        urls = [a.url, b.url]
        placed, jobs, k = [], [], 0
        for code, tokens, persons in made:
            for station, token in tokens:
                url = urls[k % 2]
                k += 1
                placed.append((url, code, token))
                jobs += [(url, station, token, p) for p in persons[:2]]
        lat, errors, poll_errors, caught_up, wakes = asyncio.run(_load(placed, jobs, seconds, rate))
        _sent, base, base_errors = _push(jobs, seconds / 2, rate)
    ms = lambda v: f"{v * 1000:.0f} ms"  # noqa: E731
    return [f"| push latency p50 | {ms(_pct(lat, 50))} | {ms(_pct(base, 50))} |",
            f"| push latency p99 | {ms(_pct(lat, 99))} | {ms(_pct(base, 99))} |",
            f"| pushes (errors) | {len(lat)} ({errors}) in {seconds} s | {len(base)} ({base_errors}) |",
            f"| wake-ups (push sent → passage at each station of its site) p50 / p99 | "
            f"{ms(_pct(wakes, 50))} / {ms(_pct(wakes, 99))} over {len(wakes)} | — |",
            f"| stations waiting / long-poll errors | {caught_up} of {len(placed)} / {poll_errors} | — |"]


def main(quick: bool = False) -> str:
    stations, rate, seconds = (400, 50, 6) if quick else (2000, 100, 20)
    cluster = _pg_cluster()
    if cluster is None:
        return "## Several server processes\n\nPostgreSQL is not installed: not measured.\n"
    try:
        rows = bench_cluster(cluster.create_database("bench_cluster"), stations, rate, seconds)
    finally:
        cluster.stop()
    return "\n".join([
        "## Several server processes (PostgreSQL)", "",
        f"Two `plateau server` processes on one throwaway PostgreSQL, {stations:,} stations "
        f"({stations // 10} sites × 10) long-polling them half and half, {rate} passages/s pushed by random "
        f"stations for {seconds} s; the pollers, the pusher and both servers share this machine's 2 cores.", "",
        f"| measure | with {stations:,} stations long-polling | baseline: same pushes, nobody polling |",
        "|---|---|---|", *rows, "",
        "Goals: push p99 ≤ 100 ms, no error, every station's wake-up p99 ≤ 1 s. Each push wakes the 10 "
        "stations of its site, in both processes (PostgreSQL NOTIFY on commit)."]) + "\n"


if __name__ == "__main__":
    print(main(quick=True))
