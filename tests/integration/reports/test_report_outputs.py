"""`plateau report` as a real process on a real replica: the PDF (pages, text, PNG) and the CSV files."""

from __future__ import annotations

import csv
import io
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from .scenario import DAY, SITE

pytestmark = pytest.mark.skipif(shutil.which("pdftotext") is None or shutil.which("pdftoppm") is None,
                                reason="poppler-utils missing (scripts/setup-dev.sh installs it)")


@pytest.fixture(scope="module")
def config(day, tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("cfg") / "station.toml"
    db = day.self1.url.database
    path.write_text(f'[station]\nid = "self-1"\nsite = "{SITE}"\n[db]\npath = "{db}"\n', encoding="utf-8")
    return path


def report(config: Path, *args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "plateau.cli", "report", *args, "--config", str(config)],
                          capture_output=True, timeout=120, cwd=cwd, env={"PATH": "/usr/bin:/bin",
                                                                          "QT_QPA_PLATFORM": "offscreen"})


def csv_rows(data: bytes) -> list[list[str]]:
    assert data.startswith(b"\xef\xbb\xbf"), "UTF-8 with a BOM"
    return list(csv.reader(io.StringIO(data[3:].decode("utf-8"), newline=""), delimiter=";"))


def pdf_pages(path: Path) -> list[str]:
    text = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, check=True,
                          timeout=60).stdout.decode("utf-8")
    return text.split("\f")[:-1]


def test_daily_pdf_has_the_expected_pages_and_text(config, tmp_path):
    out = tmp_path / "jour.pdf"
    done = report(config, "daily", "--date", DAY.isoformat(), "-o", str(out))
    assert done.returncode == 0, done.stderr
    pages = pdf_pages(out)
    assert len(pages) == 3
    first = " ".join(pages[0].split())
    for text in ("Collège Lucie Aubrac", "mercredi 25 novembre 2026", "UAI 0699999Z", "Synthèse par service",
                 "Déjeuner 11:15–13:45 7 7 1 3 3 1 6", "Refus par motif", "Pas inscrit ce jour Déjeuner 1 1",
                 "Arrivées par tranche de 15 minutes", "Par classe", "5A 3 2 2 1 0 2", "Page 1 / 3"):
        assert text in first, text
    second = " ".join(pages[1].split())
    for text in ("Dérogations accordées", "BERNARD Bruno", "M. Gestionnaire", "Sortie scolaire décalée",
                 "Passages annulés", "ISAAC Inès", "Badge passé par erreur", "Page 2 / 3"):
        assert text in second, text
    third = " ".join(pages[2].split())
    for text in ("Absents au repas", "5A (2) GIRARD Gina réservation", "ISAAC Inès forfait",
                 "6A (1) CLÉMENT Chloé forfait", "Page 3 / 3"):
        assert text in third, text
    subprocess.run(["pdftoppm", "-r", "60", "-png", str(out), str(tmp_path / "page")], check=True, timeout=60)
    pngs = sorted(tmp_path.glob("page-*.png"))
    assert [p.name for p in pngs] == ["page-1.png", "page-2.png", "page-3.png"]
    assert all(p.stat().st_size > 8_000 for p in pngs)


def test_daily_csv_lists_every_passage_of_both_stations(config):
    done = report(config, "daily", "--date", DAY.isoformat(), "--format", "csv", "-o", "-")
    assert done.returncode == 0, done.stderr
    rows = csv_rows(done.stdout)
    assert rows[0][:7] == ["date", "heure", "poste", "service", "type", "accepte", "motif_refus"]
    assert len(rows) == 1 + 16
    assert {r[2] for r in rows[1:]} == {"self-1", "self-2"}
    assert [r[1] for r in rows[1:]] == sorted(r[1] for r in rows[1:])
    override = next(r for r in rows if r[4] == "dérogation")
    assert (override[9], override[16], override[17]) == ("BERNARD", "M. Gestionnaire", "Sortie scolaire décalée")
    hugo = next(r for r in rows if r[9] == "HENRY" and r[5] == "oui")
    assert (hugo[13], hugo[14]) == ("4,20", "5,80")


def test_no_shows_csv(config):
    done = report(config, "no-shows", "--date", DAY.isoformat(), "-o", "-")
    assert done.returncode == 0, done.stderr
    assert [r[2:5] + r[8:] for r in csv_rows(done.stdout)[1:]] == [
        ["5A", "GIRARD", "Gina", "réservation"], ["5A", "ISAAC", "Inès", "forfait"], ["6A", "CLÉMENT", "Chloé", "forfait"]]


def test_kitchen_forecast_csv(config):
    done = report(config, "forecast", "--date", DAY.isoformat(), "--days", "3", "-o", "-")
    assert done.returncode == 0, done.stderr
    assert done.stdout.decode("utf-8-sig").splitlines() == [
        "date;jour;service;libelle;repas_prevus;dont_forfaits;dont_reservations;fermeture",
        "2026-11-25;mercredi;dejeuner;Déjeuner;7;4;3;",
        "2026-11-26;jeudi;dejeuner;Déjeuner;0;0;0;Journée pédagogique",
        "2026-11-27;vendredi;dejeuner;Déjeuner;6;6;0;"]


def test_week_view_csv_and_pdf(config, tmp_path):
    done = report(config, "week", "--date", DAY.isoformat(), "--format", "csv", "-o", "-")
    assert done.returncode == 0, done.stderr
    # Monday: 5-day forfaits but Jules (left) + Bruno's 4-day; Tuesday: Marc in opposition. Days without
    # passages after the machine's today are "to come" (served and no-shows left empty), so only the
    # expected column and the recorded Wednesday are independent of when the test runs.
    lines = [line.split(";") for line in done.stdout.decode("utf-8-sig").splitlines()[1:]]
    assert [(r[0], r[2], r[4]) for r in lines] == [
        ("2026-11-23", "", "6"), ("2026-11-24", "", "5"), ("2026-11-25", "", "7"),
        ("2026-11-26", "Journée pédagogique", "0"), ("2026-11-27", "", "6"), ("total", "", "24")]
    assert lines[2] == ["2026-11-25", "mercredi", "", "7", "7", "3"] and lines[-1][3] == "7"
    done = report(config, "month", "--date", DAY.isoformat(), cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    out = tmp_path / done.stdout.decode().strip()
    assert out.name == f"mois-{SITE}-2026-11-01.pdf"
    text = " ".join(" ".join(pdf_pages(out)).split())
    assert "Novembre 2026" in text and "mercredi 25/11 7 7 3" in text and "Total 7" in text


@pytest.mark.parametrize("args, message", [
    (("daily", "--date", "2026-13-01"), "bad date '2026-13-01'"),
    (("forecast", "--format", "pdf"), "forecast reports come as csv or json"),
    (("forecast", "--days", "0"), "--days must be between 1 and"),
    (("daily", "--site", "0000000A"), "this station serves site 0699999Z, not 0000000A"),
    (("daily", "-o", "/nonexistent/folder/x.pdf"), "does not exist"),
])
def test_bad_input_gets_one_clear_line(config, args, message):
    done = report(config, *args)
    assert done.returncode == 2
    err = done.stderr.decode()
    assert message in err and len(err.strip().splitlines()) == 1, err


def test_fonts_fall_back_to_helvetica_without_dejavu(monkeypatch, tmp_path):
    from plateau.reports import pdf_style

    monkeypatch.setattr(pdf_style, "FONT_DIRS", (tmp_path / "no-fonts",))
    assert pdf_style.fonts.__wrapped__() == ("Helvetica", "Helvetica-Bold")
    (tmp_path / "broken").mkdir()
    (tmp_path / "broken" / "DejaVuSans.ttf").write_bytes(b"not a font")
    (tmp_path / "broken" / "DejaVuSans-Bold.ttf").write_bytes(b"not a font")
    monkeypatch.setattr(pdf_style, "FONT_DIRS", (tmp_path / "broken",))
    assert pdf_style.fonts.__wrapped__() == ("Helvetica", "Helvetica-Bold")


def test_a_day_without_overrides_says_aucune_and_names_come_in_french_order(tmp_path):
    from datetime import date, time

    from plateau.domain.policy import SitePolicy
    from plateau.domain.services import ServiceInfo
    from plateau.reports.headcount import DayData, compute
    from plateau.reports.pdf import render_daily

    lunch = ServiceInfo("dejeuner", "Déjeuner", time(11, 15), time(13, 45))
    persons = {i: {"id": i, "external_id": None, "last_name": n, "first_name": "Léa", "class_name": "6A",
                   "category": "eleve", "regime": None, "plan": "forfait", "forfait_days": "mon,tue,wed,thu,fri",
                   "status": "active", "arrival_date": None, "leaving_date": None, "photo": None}
               for i, n in enumerate(("BRUN", "BÉNARD", "BAILLY"), 1)}
    hc = compute(DayData(SITE, "Collège", "Europe/Paris", date(2026, 11, 25), [lunch], SitePolicy(), persons))
    render_daily(hc, tmp_path / "day.pdf")
    text = " ".join(" ".join(pdf_pages(tmp_path / "day.pdf")).split())
    assert "Dérogations accordées Aucune." in text and "Aucun." not in text.split("Dérogations accordées")[1][:10]
    absent = text.split("Absents au repas")[1]
    assert absent.index("BAILLY") < absent.index("BÉNARD") < absent.index("BRUN")


def _doubled_day():
    """A lunch where self-1 and self-2, both offline, each served Léa BRUN (a ticket pupil, charged
    twice), and Hugo BAILLY was served once."""
    from datetime import date, datetime, time, timezone
    from zoneinfo import ZoneInfo

    from plateau.domain.policy import SitePolicy
    from plateau.domain.services import ServiceInfo
    from plateau.reports.headcount import DayData

    lunch = ServiceInfo("dejeuner", "Déjeuner", time(11, 15), time(13, 45))
    day = date(2026, 11, 25)
    persons = {i: {"id": i, "external_id": f"E{i}", "last_name": n, "first_name": f, "class_name": "6A",
                   "category": "eleve", "regime": None, "plan": "ticket", "forfait_days": None,
                   "status": "active", "arrival_date": None, "leaving_date": None, "photo": None}
               for i, (n, f) in enumerate((("BRUN", "Léa"), ("BAILLY", "Hugo")), 1)}

    def passage(pid, station, hh, mm, ss, medium="card"):
        at = datetime(2026, 11, 25, hh, mm, ss, tzinfo=ZoneInfo("Europe/Paris")).astimezone(timezone.utc)
        return {"id": f"{station}-{pid}-{hh}{mm}{ss}", "station": station, "at": at.isoformat(),
                "local_date": day.isoformat(), "service": "dejeuner", "card_uid": None, "person_id": pid,
                "kind": "badge", "accepted": True, "reason": "ok", "price_cents": 420, "balance_after_cents": 0,
                "staff_id": None, "motive": None, "ref": None, "warnings": [], "medium": medium}

    passages = [passage(1, "self-1", 12, 4, 10), passage(1, "self-2", 12, 4, 52, "phone"),
                passage(2, "self-1", 12, 5, 0)]
    return DayData(SITE, "Collège", "Europe/Paris", day, [lunch], SitePolicy(), persons, passages=passages)


def test_double_passages_have_their_section_in_the_daily_pdf_and_a_column_in_the_csv(tmp_path):
    from plateau.reports.csv_exports import passages_csv
    from plateau.reports.headcount import compute
    from plateau.reports.pdf import render_daily

    data = _doubled_day()
    hc = compute(data)
    render_daily(hc, tmp_path / "day.pdf")
    text = " ".join(" ".join(pdf_pages(tmp_path / "day.pdf")).split())
    assert "Passages en double (postes hors ligne) : 1 personne(s)" in text
    section = text.split("Passages en double : deux postes hors ligne ont servi le même élève")[1]
    assert "12:04:10 self-1 BRUN Léa (2/1 permis) 6A Déjeuner Badge 4,20 €" in section
    assert "12:04:52 self-2 Téléphone 4,20 € en trop" in section and "BAILLY" not in section.split("Refus")[0]
    render_daily(hc, tmp_path / "day-en.pdf", lang="en")
    english = " ".join(" ".join(pdf_pages(tmp_path / "day-en.pdf")).split())
    assert "Served twice: two offline stations served the same pupil" in english and "€4.20 extra" in english
    subprocess.run(["pdftoppm", "-r", "70", "-f", "1", "-l", "1", "-png", str(tmp_path / "day.pdf"),
                    str(tmp_path / "page")], check=True, timeout=60)
    assert (tmp_path / "page-1.png").stat().st_size > 8_000
    rows = csv_rows(passages_csv(data))
    assert rows[0][-1] == "en_double"
    assert [(r[2], r[9], r[-1]) for r in rows[1:]] == [("self-1", "BRUN", "oui"), ("self-2", "BRUN", "en trop"),
                                                       ("self-1", "BAILLY", "")]
