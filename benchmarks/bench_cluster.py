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
import os

from benchmarks import load
from benchmarks.bench_server import _pct, _pg_cluster, _setup
from tests.support.server import running_server


async def _load(placed, jobs, seconds, rate):
    tasks, stop, stats, ready, arrivals = await load.stations_polling(placed)
    caught_up = len(ready)
    sent, latencies, errors = await asyncio.get_running_loop().run_in_executor(
        None, load.push_at_rate, jobs, seconds, rate)
    await asyncio.sleep(2)   # the last wake-ups arrive
    await load.stop_polling(tasks, stop)
    return latencies, errors, stats["errors"], caught_up, load.wakeups(sent, arrivals)


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
                placed.append((url, token))
                jobs += [(url, station, token, p) for p in persons[:2]]
        lat, errors, poll_errors, caught_up, wakes = asyncio.run(_load(placed, jobs, seconds, rate))
        _sent, base, base_errors = load.push_at_rate(jobs, seconds / 2, rate)
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
    loadavg = os.getloadavg()[0]
    try:
        rows = bench_cluster(cluster.create_database("bench_cluster"), stations, rate, seconds)
    finally:
        cluster.stop()
    rows.append(f"| load average of the machine (1 min), before / after | {loadavg:.1f} / "
                f"{os.getloadavg()[0]:.1f} | |")
    return "\n".join([
        "## Several server processes (PostgreSQL)", "",
        f"Two `plateau server` processes on one throwaway PostgreSQL, {stations:,} stations "
        f"({stations // 10} sites × 10) long-polling them half and half, {rate} passages/s pushed by random "
        f"stations for {seconds} s; the pollers, the pusher and both servers share this machine's 2 cores.", "",
        f"| measure | with {stations:,} stations long-polling | baseline: same pushes, nobody polling |",
        "|---|---|---|", *rows, "",
        "Goals: push p99 ≤ 100 ms, no error, every station's wake-up p99 ≤ 1 s. Each push wakes the 10 "
        "stations of its site, in both processes (PostgreSQL NOTIFY on commit).", "",
        "Before the fast path of station long-polls (`plateau/server/fast_changes.py`) and the batched "
        "telemetry writes, on the same machine, quiet, 2,000 stations and 100 passages/s: push p50 206 ms, "
        "p99 653 ms (baseline 34 ms), wake-ups p99 1,178 ms, no error. After them but before the collector's "
        "tuning (`cli_server.tune_gc`: full collections paused every thread 200-260 ms, a few times in a "
        "run) and the push writers' own connections (no pool checkout and ping per group, the NOTIFY in the "
        "feed seq's UPDATE): push p50 34 ms, p99 237 ms, wake-ups p99 343 ms."]) + "\n"


if __name__ == "__main__":
    print(main(quick=True))
