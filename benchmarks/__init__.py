"""`make bench`: performance figures, measured side by side with a baseline in one run.

Each area has a module `benchmarks/bench_<area>.py` with a function ``main(quick: bool) -> str``
that runs its measurements and returns a Markdown section (a heading, a table of figures
with absolute numbers and the ratio to the baseline measured in the same run, and the goal).
"""
