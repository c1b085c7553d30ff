"""CSV exports for spreadsheet users in France: UTF-8 with a BOM, `;` separated, decimal commas.

Every export returns the file's bytes, so the CLI writes them to a file and the server sends
them as a download, byte for byte the same. Cells that a spreadsheet would run as a formula
(starting with = + - @) are prefixed with an apostrophe: names come from imports.
"""

from __future__ import annotations

import csv
import io
from datetime import datetime
from typing import Iterable, Sequence
from zoneinfo import ZoneInfo

from plateau.domain.collation import text_key
from plateau.reports.headcount import DayData, DayHeadcount, compute, person_row
from plateau.reports.periods import ForecastRow, PeriodView

BOM = "\ufeff"
KIND_FR = {"badge": "badge", "forgotten": "badge oublié", "override": "dérogation", "cancel": "annulation"}
BASIS_FR = {"forfait": "forfait", "reservation": "réservation"}


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "oui" if value else "non"
    text = str(value)
    if text[:1] in ("=", "+", "-", "@", "\t", "\r") and not _is_number(text):
        return "'" + text
    return text


def _is_number(text: str) -> bool:
    try:
        float(text.replace(",", "."))
        return True
    except ValueError:
        return False


def euros(cents: int | None) -> str:
    """Cents as a French decimal ("-3,95"), without the currency sign (a number for a spreadsheet)."""
    if cents is None:
        return ""
    sign = "-" if cents < 0 else ""
    return f"{sign}{abs(cents) // 100},{abs(cents) % 100:02d}"


def to_csv(header: Sequence[str], rows: Iterable[Sequence]) -> bytes:
    buf = io.StringIO(newline="")
    writer = csv.writer(buf, delimiter=";", lineterminator="\r\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow([_cell(v) for v in row])
    return (BOM + buf.getvalue()).encode("utf-8")


PASSAGE_HEADER = ("date", "heure", "poste", "service", "type", "accepte", "motif_refus", "id_personne",
                  "identifiant", "nom", "prenom", "classe", "categorie", "prix_euros", "solde_apres_euros",
                  "id_personnel", "personnel", "commentaire", "passage_lie", "id_passage", "en_double")
# the last column: the passage is part of a double (two offline stations served the person in one
# service beyond their allowance): "oui", or "en trop" for the one(s) beyond the allowance
DOUBLE_FR = {False: "oui", True: "en trop"}


def passages_csv(data: DayData) -> bytes:
    """Every passage of the day, oldest first, at every station the source knows."""
    tz = ZoneInfo(data.timezone)
    rows = []
    day = data.day.isoformat()
    doubles = {p["passage_id"]: DOUBLE_FR[p["extra"]] for s in compute(data).services
               for d in s.doubles for p in d["passages"]}
    for p in sorted((p for p in data.passages if str(p["local_date"]) == day), key=lambda p: (str(p["at"]), p["id"])):
        at = p["at"] if isinstance(p["at"], datetime) else datetime.fromisoformat(p["at"])
        who = person_row(p["person_id"], data.persons)
        rows.append((day, at.astimezone(tz).strftime("%H:%M:%S"), p["station"], p["service"] or "",
                     KIND_FR.get(p["kind"], p["kind"]), p["accepted"], "" if p["accepted"] else p["reason"],
                     p["person_id"], who["external_id"], who["last_name"], who["first_name"],
                     who["class_name"], who["category"], euros(p["price_cents"]),
                     euros(p["balance_after_cents"]), p["staff_id"], data.staff.get(p["staff_id"], ""),
                     p["motive"], p["ref"], p["id"], doubles.get(p["id"], "")))
    return to_csv(PASSAGE_HEADER, rows)


NO_SHOW_HEADER = ("date", "service", "classe", "nom", "prenom", "identifiant", "id_personne", "categorie",
                  "prevu_par")


def no_shows_csv(headcount: DayHeadcount) -> bytes:
    """Expected but not served, by service then class, for the vie scolaire."""
    rows = []
    for s in headcount.services:
        for r in s.no_shows:
            rows.append((headcount.day.isoformat(), s.code, r["class_name"], r["last_name"], r["first_name"],
                         r["external_id"], r["person_id"], r["category"], BASIS_FR.get(r["basis"], r["basis"])))
    return to_csv(NO_SHOW_HEADER, rows)


FORECAST_HEADER = ("date", "jour", "service", "libelle", "repas_prevus", "dont_forfaits", "dont_reservations",
                   "fermeture")


def forecast_csv(rows: Sequence[ForecastRow]) -> bytes:
    """Expected meals per day and service, for production-planning software."""
    return to_csv(FORECAST_HEADER, [(r.day.isoformat(), r.to_json()["weekday"], r.service, r.label, r.expected,
                                     r.forfait, r.reservation, r.closed or "") for r in rows])


def period_csv(view: PeriodView) -> bytes:
    """Served, expected and no-shows per day, one column group per service."""
    header = ["date", "jour", "fermeture"]
    for code, _ in view.services:
        header += [f"{code}_servis", f"{code}_prevus", f"{code}_absents"]
    rows = []
    for row in view.rows:
        cells = [row["date"], row["weekday"], row["closed"] or ""]
        for code, _ in view.services:
            f = row["services"][code]
            cells += [f["served"], f["expected"], f["no_shows"]]
        rows.append(cells)
    totals = view.totals()
    rows.append(["total", "", ""] + [v for code, _ in view.services
                                     for v in (totals[code]["served"], totals[code]["expected"],
                                               totals[code]["no_shows"])])
    return to_csv(header, rows)


def summary_csv(headcount: DayHeadcount) -> bytes:
    """The day's figures per service and class (what the PDF's tables show)."""
    header = ("date", "service", "classe", "prevus", "servis", "absents", "non_prevus", "derogations", "refus")
    rows = []
    for s in headcount.services:
        groups = [("(total)", s.totals)] + sorted(s.by_class.items(), key=lambda kv: text_key(kv[0]))
        for cls, c in groups:
            rows.append((headcount.day.isoformat(), s.code, cls, c.expected, c.served, c.no_shows, c.unexpected,
                         c.overrides, c.refusals))
    return to_csv(header, rows)
