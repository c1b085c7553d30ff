"""The official calendar file (`fr-en-calendrier-scolaire.csv`) for zones A, B, C and Corse,
2023-2027: every period's first and last closed day and the first school day after, checked
against dates read by hand from the file's rows (Paris midnights written in UTC, exclusive ends)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from plateau.domain.holidays import easter_sunday
from plateau.domain.school_calendar import first_school_day_after, parse_official_csv

from .conftest import OFFICIAL_CSV, feed_length, run

# label; first closed day; last closed day; first school day after (all local dates)
EXPECTED = {
    "Zone A": """
Vacances de la Toussaint;2023-10-21;2023-11-05;2023-11-06
Vacances de Noël;2023-12-23;2024-01-07;2024-01-08
Vacances d'Hiver;2024-02-17;2024-03-03;2024-03-04
Vacances de Printemps;2024-04-13;2024-04-28;2024-04-29
Pont de l'Ascension;2024-05-09;2024-05-12;2024-05-13
Vacances d'Été;2024-07-06;2024-09-01;2024-09-02
Vacances de la Toussaint;2024-10-19;2024-11-03;2024-11-04
Vacances de Noël;2024-12-21;2025-01-05;2025-01-06
Vacances d'Hiver;2025-02-22;2025-03-09;2025-03-10
Vacances de Printemps;2025-04-19;2025-05-04;2025-05-05
Pont de l'Ascension;2025-05-29;2025-06-01;2025-06-02
Vacances d'Été;2025-07-05;2025-08-31;2025-09-01
Vacances de la Toussaint;2025-10-18;2025-11-02;2025-11-03
Vacances de Noël;2025-12-20;2026-01-04;2026-01-05
Vacances d'Hiver;2026-02-07;2026-02-22;2026-02-23
Vacances de Printemps;2026-04-04;2026-04-19;2026-04-20
Pont de l'Ascension;2026-05-14;2026-05-17;2026-05-18
Vacances d'Été;2026-07-04;2026-08-31;2026-09-01
Vacances de la Toussaint;2026-10-17;2026-11-01;2026-11-02
Vacances de Noël;2026-12-19;2027-01-03;2027-01-04
Vacances d'Hiver;2027-02-13;2027-02-28;2027-03-01
Vacances de Printemps;2027-04-10;2027-04-25;2027-04-26
Pont de l'Ascension;2027-05-07;2027-05-07;2027-05-10
Début des Vacances d'Été;2027-07-03;2027-08-31;2027-09-01
""",
    "Zone B": """
Vacances de la Toussaint;2023-10-21;2023-11-05;2023-11-06
Vacances de Noël;2023-12-23;2024-01-07;2024-01-08
Vacances d'Hiver;2024-02-24;2024-03-10;2024-03-11
Vacances de Printemps;2024-04-20;2024-05-05;2024-05-06
Pont de l'Ascension;2024-05-09;2024-05-12;2024-05-13
Vacances d'Été;2024-07-06;2024-09-01;2024-09-02
Vacances de la Toussaint;2024-10-19;2024-11-03;2024-11-04
Vacances de Noël;2024-12-21;2025-01-05;2025-01-06
Vacances d'Hiver;2025-02-08;2025-02-23;2025-02-24
Vacances de Printemps;2025-04-05;2025-04-21;2025-04-22
Pont de l'Ascension;2025-05-29;2025-06-01;2025-06-02
Vacances d'Été;2025-07-05;2025-08-31;2025-09-01
Vacances de la Toussaint;2025-10-18;2025-11-02;2025-11-03
Vacances de Noël;2025-12-20;2026-01-04;2026-01-05
Vacances d'Hiver;2026-02-14;2026-03-01;2026-03-02
Vacances de Printemps;2026-04-11;2026-04-26;2026-04-27
Pont de l'Ascension;2026-05-14;2026-05-17;2026-05-18
Vacances d'Été;2026-07-04;2026-08-31;2026-09-01
Vacances de la Toussaint;2026-10-17;2026-11-01;2026-11-02
Vacances de Noël;2026-12-19;2027-01-03;2027-01-04
Vacances d'Hiver;2027-02-20;2027-03-07;2027-03-08
Vacances de Printemps;2027-04-17;2027-05-02;2027-05-03
Pont de l'Ascension;2027-05-07;2027-05-07;2027-05-10
Début des Vacances d'Été;2027-07-03;2027-08-31;2027-09-01
""",
    "Zone C": """
Vacances de la Toussaint;2023-10-21;2023-11-05;2023-11-06
Vacances de Noël;2023-12-23;2024-01-07;2024-01-08
Vacances d'Hiver;2024-02-10;2024-02-25;2024-02-26
Vacances de Printemps;2024-04-06;2024-04-21;2024-04-22
Pont de l'Ascension;2024-05-09;2024-05-12;2024-05-13
Vacances d'Été;2024-07-06;2024-09-01;2024-09-02
Vacances de la Toussaint;2024-10-19;2024-11-03;2024-11-04
Vacances de Noël;2024-12-21;2025-01-05;2025-01-06
Vacances d'Hiver;2025-02-15;2025-03-02;2025-03-03
Vacances de Printemps;2025-04-12;2025-04-27;2025-04-28
Pont de l'Ascension;2025-05-29;2025-06-01;2025-06-02
Vacances d'Été;2025-07-05;2025-08-31;2025-09-01
Vacances de la Toussaint;2025-10-18;2025-11-02;2025-11-03
Vacances de Noël;2025-12-20;2026-01-04;2026-01-05
Vacances d'Hiver;2026-02-21;2026-03-08;2026-03-09
Vacances de Printemps;2026-04-18;2026-05-03;2026-05-04
Pont de l'Ascension;2026-05-14;2026-05-17;2026-05-18
Vacances d'Été;2026-07-04;2026-08-31;2026-09-01
Vacances de la Toussaint;2026-10-17;2026-11-01;2026-11-02
Vacances de Noël;2026-12-19;2027-01-03;2027-01-04
Vacances d'Hiver;2027-02-06;2027-02-21;2027-02-22
Vacances de Printemps;2027-04-03;2027-04-18;2027-04-19
Pont de l'Ascension;2027-05-07;2027-05-07;2027-05-10
Début des Vacances d'Été;2027-07-03;2027-08-31;2027-09-01
""",
    # the file stops at the start of Corsica's 2025 summer
    "Corse": """
Journée vaquée;2023-09-08;2023-09-08;2023-09-11
Vacances de la Toussaint;2023-10-21;2023-11-05;2023-11-06
Journée banalisée;2023-12-08;2023-12-08;2023-12-11
Vacances de Noël;2023-12-23;2024-01-07;2024-01-08
Vacances d'Hiver;2024-02-24;2024-03-10;2024-03-11
Vacances de Printemps;2024-04-27;2024-05-12;2024-05-13
Lundi de Pentecôte;2024-05-20;2024-05-20;2024-05-21
Vacances d'Été;2024-07-06;2024-09-04;2024-09-05
Vacances de la Toussaint;2024-10-19;2024-11-03;2024-11-04
Vacances de Noël;2024-12-21;2025-01-05;2025-01-06
Vacances d'Hiver;2025-02-15;2025-03-02;2025-03-03
Vacances de Printemps;2025-04-12;2025-04-27;2025-04-28
Pont de l'Ascension;2025-05-29;2025-06-01;2025-06-02
Lundi de Pentecôte;2025-06-09;2025-06-09;2025-06-10
Début des Vacances d'Été;2025-07-05;2025-08-31;2025-09-01
""",
}


def _expected(zone):
    rows = []
    for line in EXPECTED[zone].strip().splitlines():
        label, first, last, after = line.split(";")
        rows.append((label, date.fromisoformat(first), date.fromisoformat(last), date.fromisoformat(after)))
    return rows


@pytest.fixture(scope="module")
def official_text():
    return OFFICIAL_CSV.read_text(encoding="utf-8-sig")


@pytest.mark.parametrize("zone", sorted(EXPECTED))
def test_every_period_2023_2027(official_text, zone):
    read = parse_official_csv(official_text, zone)
    assert not read.errors
    got = [(h.label, h.first_day, h.last_day, first_school_day_after(h.last_day, read.holidays))
           for h in read.holidays if date(2023, 9, 1) <= h.first_day <= date(2027, 8, 31)]
    assert got == _expected(zone)


@pytest.mark.parametrize("zone", ["Zone A", "Zone B", "Zone C"])
def test_ascension_bridge_friday_is_closed_every_year_whatever_its_encoding(official_text, zone):
    closed = {d for h in parse_official_csv(official_text, zone).holidays
              for d in (h.first_day + timedelta(days=i) for i in range((h.last_day - h.first_day).days + 1))}
    for year in (2024, 2025, 2026, 2027):
        ascension = easter_sunday(year) + timedelta(days=39)
        assert ascension + timedelta(days=1) in closed, year      # the bridge Friday
        assert ascension - timedelta(days=1) not in closed, year  # the Wednesday before has classes


def test_teachers_summer_rows_do_not_shorten_the_pupils_summer(official_text):
    holidays = parse_official_csv(official_text, "Zone A").holidays
    summer_2025 = [h for h in holidays if h.first_day == date(2025, 7, 5)]
    assert [(h.last_day) for h in summer_2025] == [date(2025, 8, 31)]  # teachers: 2025-08-28


def test_zone_is_accepted_as_a_letter(official_text):
    assert parse_official_csv(official_text, "a").holidays == parse_official_csv(official_text, "Zone A").holidays


def test_import_of_the_official_file_writes_closures_once(server_db):
    data = OFFICIAL_CSV.read_bytes()
    report = run(server_db, "calendar", data)
    assert report.applied and report.created > 50 and not report.errors
    assert any("no published end" in n.message for n in report.notes)
    before = feed_length(server_db)
    again = run(server_db, "calendar", data)
    assert (again.created, again.updated, again.unchanged) == (0, 0, report.created)
    assert feed_length(server_db) == before
