"""Calendar traps on in-memory CSV rows and ICS texts."""

from __future__ import annotations

from datetime import date
from zoneinfo import ZoneInfo

import pytest

from plateau.domain.school_calendar import (CalendarFormatError, first_school_day_after, normalize_zone,
                                            parse_ics, parse_official_csv, repair_mojibake)

HEADER = "description;population;start_date;end_date;location;zones;annee_scolaire\n"


def ics(*events: str) -> str:
    return "BEGIN:VCALENDAR\r\nVERSION:2.0\r\n" + "".join(
        f"BEGIN:VEVENT\r\n{e}\r\nEND:VEVENT\r\n" for e in events) + "END:VCALENDAR\r\n"


def test_teachers_row_used_only_when_no_pupils_row():
    text = HEADER + (
        "Vacances d'Été;Enseignants;2027-07-02T22:00:00+00:00;2027-08-29T22:00:00+00:00;Lyon;Zone A;2026-2027\n"
        "Vacances d'Été;Enseignants;2026-07-03T22:00:00+00:00;2026-08-30T22:00:00+00:00;Lyon;Zone A;2025-2026\n"
        "Vacances d'Été;Élèves;2026-07-03T22:00:00+00:00;2026-08-31T22:00:00+00:00;Lyon;Zone A;2025-2026\n")
    read = parse_official_csv(text, "Zone A")
    assert [(h.first_day, h.last_day) for h in read.holidays] == [
        (date(2026, 7, 4), date(2026, 8, 31)), (date(2027, 7, 3), date(2027, 8, 29))]
    assert "only a teachers' row" in read.notes[0].message


def test_summer_without_end_and_unknown_zero_length_records():
    text = HEADER + (
        "Vacances d'Été;-;2027-07-02T22:00:00+00:00;;Lyon;Zone A;2026-2027\n"
        "Réunion;-;2027-03-01T23:00:00+00:00;2027-03-01T23:00:00+00:00;Lyon;Zone A;2026-2027\n")
    read = parse_official_csv(text, "Zone A")
    assert [(h.first_day, h.last_day) for h in read.holidays] == [(date(2027, 7, 3), date(2027, 8, 31))]
    assert [n.line for n in read.notes] == [2, 3]


def test_wrong_file_and_unknown_zone():
    with pytest.raises(CalendarFormatError, match="missing column"):
        parse_official_csv("person;uid\n1;2\n", "Zone A")
    with pytest.raises(CalendarFormatError, match="no record for 'Zone D'"):
        parse_official_csv(HEADER + "Noël;-;2026-12-18T23:00:00+00:00;2027-01-03T23:00:00+00:00;Lyon;Zone A;x\n",
                           "Zone D")


def test_site_zone_other_than_paris_time():
    # Réunion: midnights written in UTC are 20:00 the day before; the site's zone decides the local day
    text = HEADER + "Vacances;-;2026-12-19T20:00:00+00:00;2027-01-10T20:00:00+00:00;La Réunion;Réunion;2026-2027\n"
    h, = parse_official_csv(text, "Réunion", tz=ZoneInfo("Indian/Reunion")).holidays
    assert (h.first_day, h.last_day) == (date(2026, 12, 20), date(2027, 1, 10))


def test_ics_all_day_events_with_exclusive_end_and_folded_lines():
    read = parse_ics(ics("DTSTART;VALUE=DATE:20261017\r\nDTEND;VALUE=DATE:20261102\r\nSUMMARY:Vacances de la \r\n"
                         " Toussaint\r\nLOCATION:Zone A"), "Zone A")
    (h,) = read.holidays
    assert (h.label, h.first_day, h.last_day, h.school_year) == (
        "Vacances de la Toussaint", date(2026, 10, 17), date(2026, 11, 1), "2026-2027")


def test_ics_filters_by_location_and_tzid_times():
    read = parse_ics(ics("DTSTART;TZID=Europe/Paris:20261219T000000\r\nDTEND;TZID=Europe/Paris:20270104T000000\r\n"
                         "SUMMARY:Noël\r\nLOCATION:Zone A",
                         "DTSTART;VALUE=DATE:20261219\r\nDTEND;VALUE=DATE:20270104\r\nSUMMARY:Noël\r\nLOCATION:Zone B"),
                     "A")
    assert [(h.first_day, h.last_day) for h in read.holidays] == [(date(2026, 12, 19), date(2027, 1, 3))]


def test_ics_without_dtend_is_one_day_and_garbage_start_is_an_error():
    read = parse_ics(ics("DTSTART;VALUE=DATE:20270507\r\nSUMMARY:Pont\r\nLOCATION:Zone A",
                         "DTSTART;VALUE=DATE:2027057\r\nSUMMARY:X\r\nLOCATION:Zone A"), "Zone A")
    assert [(h.first_day, h.last_day) for h in read.holidays] == [(date(2027, 5, 7), date(2027, 5, 7))]
    assert read.errors[0].line == 9  # the DTSTART line


def test_not_ics():
    with pytest.raises(CalendarFormatError, match="BEGIN:VCALENDAR"):
        parse_ics("hello", "Zone A")
    with pytest.raises(CalendarFormatError, match="no event"):
        parse_ics("BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n", "Zone A")


@pytest.mark.parametrize("broken, fixed", [("Vacances de NoÃ«l", "Vacances de Noël"),
                                           ("Vacances d'Ã‰tÃ©", "Vacances d'Été"),
                                           ("Journée vaquée", "Journée vaquée"), ("Ascension", "Ascension")])
def test_mojibake_repair(broken, fixed):
    assert repair_mojibake(broken) == fixed


def test_zone_names_and_school_days():
    assert normalize_zone("zone b") == "Zone B" and normalize_zone("C") == "Zone C"
    assert normalize_zone(" Corse ") == "Corse"
    # after the 2026 Ascension bridge (Thu 14 - Sun 17 May), Monday 18; Whit Monday 25 May is a holiday
    assert first_school_day_after(date(2026, 5, 24), []) == date(2026, 5, 26)


def test_teachers_population_on_request():
    text = HEADER + (
        "Vacances d'Été;Enseignants;2026-07-03T22:00:00+00:00;2026-08-30T22:00:00+00:00;Lyon;Zone A;2025-2026\n"
        "Vacances d'Été;Élèves;2026-07-03T22:00:00+00:00;2026-08-31T22:00:00+00:00;Lyon;Zone A;2025-2026\n"
        "Vacances de Noël;-;2026-12-18T23:00:00+00:00;2027-01-03T23:00:00+00:00;Lyon;Zone A;2026-2027\n")
    got = [(h.first_day, h.last_day) for h in parse_official_csv(text, "Zone A", "Enseignants").holidays]
    assert got == [(date(2026, 7, 4), date(2026, 8, 30)), (date(2026, 12, 19), date(2027, 1, 3))]
