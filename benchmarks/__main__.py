"""Run the benchmarks and record them in docs/benchmarks.md.

    python -m benchmarks                 # every benchmarks/bench_*.py, full size
    python -m benchmarks decision sync   # only those areas
    python -m benchmarks --quick         # smaller runs, for a smoke check (not recorded)
"""

from __future__ import annotations

import argparse
import importlib
import platform
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DOC = ROOT / "docs" / "benchmarks.md"


def areas() -> list[str]:
    return sorted(p.stem.removeprefix("bench_") for p in Path(__file__).parent.glob("bench_*.py"))


def _sections(text: str) -> dict[str, str]:
    out: dict[str, str] = {}
    current = None
    for line in text.splitlines(keepends=True):
        if line.startswith("<!-- bench:") and line.rstrip().endswith("-->"):
            current = line.strip()[len("<!-- bench:"):-3].strip()
            out[current] = ""
        elif current is not None:
            out[current] += line
    return out


def record(results: dict[str, str], command: str) -> None:
    """Replace the sections of the areas that ran; keep the others as they were."""
    old = _sections(DOC.read_text(encoding="utf-8")) if DOC.exists() else {}
    stamp = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    machine = f"{platform.machine()}, {platform.python_implementation()} {platform.python_version()}"
    for name, body in results.items():
        old[name] = f"_Last run {stamp} on {machine} with `{command}`._\n\n{body.strip()}\n\n"
    parts = ["# Benchmarks\n\n",
             "Produced by `make bench` (`python -m benchmarks`). Every figure is measured side by side with its\n"
             "baseline in the same run; ratios are what to compare across machines. This VM's fsync is much faster\n"
             "than a kiosk's eMMC/SD card (5–20 ms commits), so absolute times here are optimistic.\n\n"]
    for name in sorted(old):
        parts.append(f"<!-- bench:{name} -->\n{old[name]}")
    DOC.parent.mkdir(parents=True, exist_ok=True)
    DOC.write_text("".join(parts), encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks")
    parser.add_argument("areas", nargs="*", help=f"areas to run (default: all of {', '.join(areas())})")
    parser.add_argument("--quick", action="store_true", help="small runs, not recorded in docs/benchmarks.md")
    args = parser.parse_args(argv)
    chosen = args.areas or areas()
    unknown = [a for a in chosen if a not in areas()]
    if unknown:
        parser.error(f"unknown area(s): {', '.join(unknown)}")
    results: dict[str, str] = {}
    failed = []
    for name in chosen:
        print(f"== {name}", flush=True)
        started = time.perf_counter()
        try:
            section = importlib.import_module(f"benchmarks.bench_{name}").main(quick=args.quick)
        except Exception as exc:  # one broken area must not hide the others' figures
            import traceback
            traceback.print_exc()
            failed.append(name)
            print(f"!! {name} failed: {exc}", file=sys.stderr)
            continue
        print(section, flush=True)
        print(f"({name}: {time.perf_counter() - started:.1f} s)\n", flush=True)
        results[name] = section
    if results and not args.quick:
        command = "make bench" if not args.areas else f"python -m benchmarks {' '.join(args.areas)}"
        record(results, command)
        print(f"recorded in {DOC.relative_to(ROOT)}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
