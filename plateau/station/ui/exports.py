"""The manager view's export buttons: the daily report as PDF or CSV, written to a folder.

Uses the reports package (`plateau.reports.pdf.render_daily`, `csv_exports.summary_csv`), so the
files are the same as `plateau report daily` makes. Runs on the GUI thread: a one-day report
takes a fraction of a second and staff wait for it anyway.
"""

from __future__ import annotations

from pathlib import Path


def export_day(headcount, fmt: str, folder: str, lang: str = "fr") -> Path:
    if headcount is None:
        raise ValueError("no headcount loaded yet")
    out = Path(folder)
    out.mkdir(parents=True, exist_ok=True)
    stem = f"effectifs-{headcount.site_code}-{headcount.day.isoformat()}"
    if fmt == "pdf":
        from plateau.reports.pdf import render_daily

        path = out / f"{stem}.pdf"
        render_daily(headcount, path, lang=lang)
    else:
        from plateau.reports.csv_exports import summary_csv

        path = out / f"{stem}.csv"
        path.write_bytes(summary_csv(headcount))
    return path
