"""The daily headcount PDF (A4, French by default) and the week/month view, with reportlab.

`render_daily(headcount, path)` lays out: the school's name and date, a summary table per
service, the double passages (persons served twice by offline stations), the refusals by reason,
a bar chart of arrivals per 15-minute slot, the table by class (and by category and station),
the overrides with staff and motive, the cancellations, then on a new page the no-shows by class
for the vie scolaire. Page numbers on every page. Runs on the
caller's thread; a 1,500-passage day renders in well under a second (benchmarks/bench_reports.py).
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import BinaryIO

from reportlab.graphics.charts.barcharts import VerticalBarChart
from reportlab.graphics.charts.legends import Legend
from reportlab.graphics.shapes import Drawing, String
from reportlab.lib import colors
from reportlab.lib.units import mm
from reportlab.platypus import KeepTogether, PageBreak, Paragraph, SimpleDocTemplate, Spacer

from plateau.domain.collation import text_key
from plateau.domain.money import format_euros
from plateau.reports.headcount import NO_CLASS, UNKNOWN, DayHeadcount, ServiceHeadcount
from plateau.reports.labels import day_title, labels, reason_label
from plateau.reports.periods import PeriodView
from plateau.reports.pdf_style import (GREY_DARK, MARGIN, PAGE, esc, fonts, numbered_canvas, styles,
                                       table)

WIDTH = PAGE[0] - 2 * MARGIN


def _class_name(code: str, L: dict) -> str:
    return L["no_class"] if code == NO_CLASS else L["unknown_badge"] if code == UNKNOWN else code


def _service_name(s: ServiceHeadcount, L: dict) -> str:
    return s.label if s.code else L["out_of_service"]


def _doc(target, title: str, footer: str, lang: str):
    target = str(target) if isinstance(target, Path) else target  # reportlab takes str or a file object
    doc = SimpleDocTemplate(target, pagesize=PAGE, leftMargin=MARGIN, rightMargin=MARGIN, topMargin=MARGIN,
                            bottomMargin=18 * mm, title=title, author="Plateau", lang=lang)
    return doc, numbered_canvas(footer, labels(lang)["page"])


def _header(cells: list[str], first_left: int = 1) -> list:
    """Header cells that wrap instead of overlapping their neighbours."""
    st = styles()
    return [Paragraph(f"<b>{esc(c)}</b>", st["cell"] if i < first_left else st["cell_right"])
            for i, c in enumerate(cells)]


def _summary(hc: DayHeadcount, L: dict) -> list:
    st = styles()
    head = [L["service"], L["hours"], L["expected"], L["served"], L["of_which_overrides"], L["no_shows"],
            L["unexpected"], L["cancelled"], L["refusals"]]
    rows = [_header(head, first_left=2)]
    for s in hc.services:
        hours = f"{s.start}–{s.end}" if s.start else "—"
        t = s.totals
        rows.append([_service_name(s, L), hours, t.expected, t.served, t.overrides, t.no_shows, t.unexpected,
                     s.cancelled, t.refusals])
    if len(hc.services) > 1:
        t = hc.totals
        rows.append([L["total"], "", t.expected, t.served, t.overrides, t.no_shows, t.unexpected,
                     sum(s.cancelled for s in hc.services), t.refusals])
    w = WIDTH
    out = [Paragraph(L["summary"], st["h2"]),
           table(rows, [w * 0.17, w * 0.13] + [w * 0.7 / 7] * 7, numeric_from=2, total_row=len(hc.services) > 1)]
    notes = []
    for s in hc.services:
        if not s.code:
            continue
        b, x = s.expected_by_basis, s.excluded
        text = L["expected_note"].format(service=esc(s.label), forfait=b["forfait"], reservation=b["reservation"])
        excluded = [L[f"excluded_{k}"].format(n=v) for k, v in x.items() if v]
        if excluded:
            text += " " + L["not_counted"] + " " + ", ".join(excluded) + "."
        if s.unexpected_by_plan:
            plans = ", ".join(f"{n} {L['plan'].get(p, p)}" for p, n in s.unexpected_by_plan.items())
            text += " " + L["unexpected_note"].format(plans=plans)
        notes.append(Paragraph(text, st["small"]))
    if hc.closed:
        notes.insert(0, Paragraph(f"<b>{esc(L['closed'].format(label=hc.closed))}</b>", st["body"]))
    if hc.doubles:
        notes.append(Paragraph(f"<b>{esc(L['doubles_note'].format(n=hc.doubles))}</b>", st["body"]))
    return out + [Spacer(1, 3)] + notes


def _doubles(hc: DayHeadcount, L: dict, lang: str) -> list:
    """Persons served more times than allowed (two offline stations), one row per passage."""
    st = styles()
    rows = []
    for s in hc.services:
        for d in s.doubles:
            who = f"{d['last_name']} {d['first_name']} ({d['served']}/{d['allowed']} {L['allowed']})"
            for i, p in enumerate(d["passages"]):
                rows.append([p["at"], p["station"], who if i == 0 else "",
                             _class_name(d["class_name"], L) if i == 0 else "", _service_name(s, L) if i == 0 else "",
                             L["media_short"].get(p["medium"], p["medium"]), format_euros(p["price_cents"], lang),
                             L["extra"] if p["extra"] else ""])
    if not rows:
        return []
    head = [L["time"], L["station"], L["person"], L["class"], L["service"], L["medium"], L["charged"], ""]
    return [*_people(L["doubles_title"], head, rows, [0.09, 0.08, 0.27, 0.07, 0.12, 0.12, 0.11, 0.14], L["none"]),
            Spacer(1, 2), Paragraph(L["doubles_intro"], st["small"])]


def _refusals(hc: DayHeadcount, L: dict) -> list:
    st = styles()
    rows = [[L["reason"], L["service"], L["refusals"], L["then_overridden"]]]
    for s in hc.services:
        for reason, v in sorted(s.refusals_by_reason.items(), key=lambda kv: -kv[1]["count"]):
            rows.append([reason_label(reason, L), _service_name(s, L), v["count"], v["overridden"] or ""])
    if len(rows) == 1:
        return [Paragraph(L["refusals_by_reason"], st["h2"]), Paragraph(L["none"], st["body"])]
    rows.append([L["total"], "", sum(r[2] for r in rows[1:]), sum(r[3] or 0 for r in rows[1:]) or ""])
    w = WIDTH
    return [Paragraph(L["refusals_by_reason"], st["h2"]),
            table(rows, [w * 0.42, w * 0.22, w * 0.14, w * 0.22], numeric_from=2, total_row=True),
            Spacer(1, 2), Paragraph(L["overridden_note"], st["small"])]


def _nice_step(peak: int) -> int:
    """A round tick step (1, 2, 5, 10, 20, 25, 50, ...) giving about four to six ticks."""
    for step in (1, 2, 5, 10, 20, 25, 50, 100, 200, 250, 500, 1000):
        if peak / step <= 6:
            return step
    return 10 ** len(str(peak))


def _chart(s: ServiceHeadcount, L: dict) -> Drawing:
    regular, bold = fonts()
    slots = sorted(s.by_slot)
    served = [s.by_slot[k]["served"] for k in slots]
    refused = [s.by_slot[k]["refusals"] for k in slots]
    height = 62 * mm
    d = Drawing(WIDTH, height)
    bc = VerticalBarChart()
    bc.x, bc.y, bc.width, bc.height = 12 * mm, 12 * mm, WIDTH - 16 * mm, height - 22 * mm
    bc.data = [served, refused]
    bc.groupSpacing, bc.barSpacing = 4, 0.5
    bc.bars.strokeColor, bc.bars.strokeWidth = colors.black, 0.5
    bc.bars[0].fillColor = GREY_DARK          # served: dark, prints as solid grey
    bc.bars[1].fillColor = colors.white       # refusals: outlined white, distinct without colour
    peak = max(served + refused + [1])
    step = _nice_step(peak)
    bc.valueAxis.valueMin, bc.valueAxis.valueStep = 0, step
    bc.valueAxis.valueMax = (peak // step + 1) * step  # room above the highest bar for its label
    bc.valueAxis.labels.fontName, bc.valueAxis.labels.fontSize = regular, 7
    bc.valueAxis.visibleGrid, bc.valueAxis.gridStrokeColor, bc.valueAxis.gridStrokeWidth = True, colors.HexColor(
        "#d0d0d0"), 0.3
    bc.categoryAxis.categoryNames = slots
    bc.categoryAxis.labels.fontName, bc.categoryAxis.labels.fontSize = regular, 7
    if len(slots) > 16:
        bc.categoryAxis.labels.angle, bc.categoryAxis.labels.dy, bc.categoryAxis.labels.dx = 45, -8, -6
    bc.barLabelFormat = lambda v: str(int(v)) if v else ""
    bc.barLabels.fontName, bc.barLabels.fontSize, bc.barLabels.nudge = regular, 6.5, 5
    d.add(bc)
    legend = Legend()
    legend.x, legend.y = WIDTH - 62 * mm, height - 3 * mm
    legend.fontName, legend.fontSize, legend.columnMaximum = regular, 7.5, 1
    legend.dx, legend.dy, legend.deltax = 7, 7, 60
    legend.strokeColor, legend.strokeWidth = colors.black, 0.5
    legend.colorNamePairs = [(GREY_DARK, L["served"]), (colors.white, L["refusals"])]
    d.add(legend)
    d.add(String(12 * mm, height - 6 * mm, f"{_service_name(s, L)} — {L['per_slot']}", fontName=bold, fontSize=9))
    return d


_ALL = ("expected", "served", "no_shows", "unexpected", "overrides", "refusals")


def _by_group(heading: str, title: str, groups: dict, L: dict, *, names=lambda k, L: k, columns=_ALL) -> list:
    st = styles()
    rows = [[title, *(L[c] for c in columns)]]
    total = [0] * len(columns)
    for key, c in sorted(groups.items(), key=lambda kv: (kv[0] in (NO_CLASS, UNKNOWN), text_key(kv[0]))):
        values = [getattr(c, name) for name in columns]
        total = [a + b for a, b in zip(total, values)]
        rows.append([Paragraph(esc(names(key, L)), st["cell"]), *values])
    rows.append([L["total"], *total])
    w = WIDTH
    return [KeepTogether([Paragraph(heading, st["h3"] if title != L["class"] else st["h2"]),
                          table(rows, [w * 0.28] + [w * 0.72 / len(columns)] * len(columns), total_row=True)])]


def _people(title: str, head: list[str], rows: list[list], widths: list[float], empty: str) -> list:
    st = styles()
    if not rows:
        return [Paragraph(title, st["h2"]), Paragraph(empty, st["body"])]
    # the first two columns (time, station) are short: plain strings that never wrap mid-word
    body = [[v if i < 2 else Paragraph(esc(v), st["cell"]) for i, v in enumerate(row)] for row in rows]
    return [Paragraph(title, st["h2"]), table([head] + body, [WIDTH * f for f in widths], numeric_from=None)]


def _no_shows(hc: DayHeadcount, L: dict) -> list:
    st = styles()
    out = [Paragraph(L["no_shows_title"], st["h2"]), Paragraph(L["no_shows_intro"], st["small"]), Spacer(1, 4)]
    regular, bold = fonts()
    for s in hc.services:
        if not s.code:
            continue
        if len(hc.services) > 1:
            out.append(Paragraph(esc(s.label), st["h3"]))
        if not s.no_shows:
            out.append(Paragraph(L["none"], st["body"]))
            continue
        rows, previous, starts = [[L["class"], L["name"], L["first_name"], L["expected_by"], L["id"]]], None, []
        for r in s.no_shows:
            first = r["class_name"] != previous
            if first:
                starts.append(len(rows))
                count = sum(1 for x in s.no_shows if x["class_name"] == r["class_name"])
                cls = f"{_class_name(r['class_name'], L)} ({count})"
            rows.append([cls if first else "", r["last_name"], r["first_name"], L["basis"].get(r["basis"], r["basis"]),
                         r["external_id"] or ""])
            previous = r["class_name"]
        t = table(rows, [WIDTH * f for f in (0.16, 0.30, 0.24, 0.15, 0.15)], numeric_from=None)
        t.setStyle([("LINEABOVE", (0, i), (-1, i), 0.8, colors.black) for i in starts[1:]]
                   + [("FONT", (0, i), (0, i), bold, 8.5) for i in starts])
        out.append(t)
    return out


def render_daily(headcount: DayHeadcount, path: str | Path | BinaryIO, lang: str = "fr",
                 generated_at: datetime | None = None) -> None:
    """Write the day's headcount PDF to `path` (a file name or a binary file object)."""
    L = labels(lang)
    st = styles()
    hc = headcount
    when = (generated_at or datetime.now().astimezone()).strftime("%d/%m/%Y %H:%M")
    title = day_title(hc.day, lang)
    story = [Paragraph(esc(hc.site_name), st["title"]),
             Paragraph(f"{L['headcount_of']} <b>{esc(title)}</b> — {L['uai']} {esc(hc.site_code)}", st["subtitle"]),
             Paragraph(f"{L['printed_cap']} {when}", st["small"])]
    story += _summary(hc, L)
    story += _doubles(hc, L, lang)
    story += _refusals(hc, L)
    charts = [s for s in hc.services if s.code and s.by_slot]
    if charts:
        story.append(Paragraph(L["arrivals"], st["h2"]))
        story += [KeepTogether([_chart(s, L), Spacer(1, 4)]) for s in charts]
    real = [s for s in hc.services if s.code]  # refusals outside any service have no class table
    for s in real:
        suffix = f" — {esc(s.label)}" if len(real) > 1 else ""
        story += _by_group(L["by_class"] + suffix, L["class"], s.by_class, L, names=_class_name)
        story += _by_group(L["by_category"] + suffix, L["category"], s.by_category, L,
                           names=lambda k, L: L["unknown_badge"] if k == UNKNOWN else k)
        if s.by_station:
            story += _by_group(L["by_station"] + suffix, L["station"], s.by_station, L,
                               columns=("served", "overrides", "refusals"))
        if "phone" in s.by_medium:   # only once the school uses phone badges
            story += _by_group(L["by_medium"] + suffix, L["medium"], s.by_medium, L,
                               names=lambda k, L: L["media"].get(k, k), columns=("served", "refusals"))
    overrides = [[o["at"], o["station"], f"{o['last_name']} {o['first_name']}", _class_name(o["class_name"], L),
                  reason_label(o["overridden_reason"], L), o["staff"] or (f"#{o['staff_id']}" if o["staff_id"] else ""),
                  o["motive"]] for s in hc.services for o in s.overrides]
    story += _people(L["overrides_title"], [L["time"], L["station"], L["person"], L["class"], L["refused_for"],
                                             L["granted_by"], L["motive"]],
                     overrides, [0.08, 0.08, 0.18, 0.07, 0.21, 0.16, 0.22], L["none_f"])
    cancels = [[c["at"], c["station"], f"{c['last_name']} {c['first_name']}", _class_name(c["class_name"], L),
                c["staff"] or (f"#{c['staff_id']}" if c["staff_id"] else ""), c["motive"]]
               for s in hc.services for c in s.cancellations]
    if cancels:
        story += _people(L["cancellations_title"], [L["time"], L["station"], L["person"], L["class"],
                                                     L["cancelled_by"], L["motive"]],
                         cancels, [0.08, 0.09, 0.24, 0.08, 0.18, 0.33], L["none"])
    story.append(PageBreak())
    story += _no_shows(hc, L)
    doc, canvas = _doc(path, f"{hc.site_name} — {title}", f"{hc.site_name} — {L['headcount_of']} {title}", lang)
    doc.build(story, canvasmaker=canvas)


def render_period(view: PeriodView, site_name: str, path: str | Path | BinaryIO, lang: str = "fr") -> None:
    """The week or month view: served / expected / no-shows per day and service."""
    L = labels(lang)
    st = styles()
    regular, bold = fonts()
    top, head = [""], [L["day"]]
    for _, label in view.services:
        top += [label, "", ""]
        head += [L["served"], L["expected"], L["no_shows"]]
    rows = [top, head]
    for r in view.rows:
        cells = [f"{r['weekday']} {r['date'][8:10]}/{r['date'][5:7]}" + (" *" if r["closed"] else "")]
        for code, _ in view.services:
            f = r["services"][code]
            cells += ["—" if v is None else v for v in (f["served"], f["expected"], f["no_shows"])]
        rows.append(cells)
    totals = view.totals()
    rows.append([L["total"]] + [v for code, _ in view.services
                                for v in (totals[code]["served"], totals[code]["expected"], totals[code]["no_shows"])])
    n = 3 * len(view.services)
    w = WIDTH
    t = table(rows, [w * 0.25] + [w * 0.75 / max(n, 1)] * n, total_row=True, repeat=2)
    # the second header row (served / expected / no-shows) under each service's spanning label
    t.setStyle([("FONT", (0, 1), (-1, 1), bold, 8.5), ("BACKGROUND", (0, 1), (-1, 1), colors.HexColor("#e6e6e6")),
                ("LINEBELOW", (0, 1), (-1, 1), 0.8, colors.black), ("LINEBELOW", (0, 0), (-1, 0), 0.25, colors.black)]
               + [("SPAN", (1 + 3 * i, 0), (3 + 3 * i, 0)) for i in range(len(view.services))]
               + [("ALIGN", (1 + 3 * i, 0), (3 + 3 * i, 0), "CENTER") for i in range(len(view.services))]
               + [("LINEBEFORE", (1 + 3 * i, 0), (1 + 3 * i, -1), 0.8, colors.black)
                  for i in range(len(view.services))])
    title = view.title[:1].upper() + view.title[1:]
    story = [Paragraph(esc(site_name), st["title"]), Paragraph(esc(title), st["subtitle"]), Spacer(1, 6), t]
    if any(r["closed"] for r in view.rows):
        closed = "; ".join(f"{r['date'][8:10]}/{r['date'][5:7]} : {r['closed']}" for r in view.rows if r["closed"])
        story += [Spacer(1, 4), Paragraph("* " + esc(L["closed_days"]) + " " + esc(closed), st["small"])]
    if any(r.get("future") for r in view.rows):
        story += [Spacer(1, 2), Paragraph(esc(L["future_note"]), st["small"])]
    doc, canvas = _doc(path, f"{site_name} — {view.title}", f"{site_name} — {view.title}", lang)
    doc.build(story, canvasmaker=canvas)
