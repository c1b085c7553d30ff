"""The canteen's vocabulary: money, badge UIDs, public holidays, services, PINs, the school calendar."""

from __future__ import annotations

from datetime import date, datetime, time, timezone
from decimal import Decimal
from functools import reduce
from zoneinfo import ZoneInfo

import pytest

from plateau.domain.holidays import easter_sunday, holiday_name, public_holidays
from plateau.domain.money import AmountError, euros_to_cents, format_euros, parse_euros
from plateau.domain.pins import hash_pin, verify_pin
from plateau.domain.school_calendar import read_official_csv, row_to_holiday
from plateau.domain.services import (ServiceInfo, WeekdaysError, format_weekdays, local_time, next_service,
                                     open_service, parse_hhmm, parse_weekdays, to_local_date)
from plateau.domain.uid import FORMATS, UidError, em4100_checksum, looks_like_uid, normalize_uid

# -- money ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("text,cents", [
    ("12,50", 1250), ("12.5", 1250), ("12", 1200), ("0,05", 5), ("-3", -300), ("+3,1", 310),
    ("4,00 €", 400), ("4.00EUR", 400), ("  7,2  ", 720), ("- 1,20", -120), ("0", 0), ("999999999,99", 99999999999),
])
def test_parse_euros(text, cents):
    assert parse_euros(text) == cents


@pytest.mark.parametrize("text", ["", "abc", "1 234,50", "1.234,50", "12,345", "12,", ",5", "1e3", "12 €€",
                                  "3-", "1234567890", None])
def test_parse_euros_refuses_what_is_not_an_amount(text):
    with pytest.raises(AmountError):
        parse_euros(text)


def test_euros_to_cents_is_exact():
    assert euros_to_cents("3.95") == 395
    assert euros_to_cents(Decimal("-0.01")) == -1
    with pytest.raises(AmountError):
        euros_to_cents("3.955")
    with pytest.raises(AmountError):
        euros_to_cents("trois")


@pytest.mark.parametrize("cents,fr,en", [
    (0, "0,00\u00a0€", "€0.00"), (5, "0,05\u00a0€", "€0.05"), (120, "1,20\u00a0€", "€1.20"),
    (-300, "-3,00\u00a0€", "-€3.00"), (123456, "1\u202f234,56\u00a0€", "€1,234.56"),
])
def test_format_euros(cents, fr, en):
    assert format_euros(cents, "fr") == fr
    assert format_euros(cents, "en") == en


def test_parse_and_format_round_trip():
    for cents in (0, 1, 99, 100, 395, 123456, -4200):
        assert parse_euros(format_euros(cents).replace("\u202f", "")) == cents


# -- badge UIDs ----------------------------------------------------------------------------------

def test_rdm6300_frame_vector():
    """An RDM6300 sends data 01000734E0 with checksum D2 (XOR of the five bytes)."""
    data = "01000734E0"
    assert reduce(lambda a, b: a ^ b, bytes.fromhex(data)) == 0xD2
    assert em4100_checksum(data) == "D2"
    assert normalize_uid(data, "em4100") == "01000734E0"
    assert normalize_uid(data.lower(), "em4100") == "01000734E0"


def test_em4100_printed_numbers():
    # the same tag's facility/card pair as Wiegand-26 readers report it (007,13536)
    assert normalize_uid("007,13536", "wiegand26") == "0734E0"
    assert normalize_uid("7/13536", "wiegand26") == "0734E0"
    # a 10-digit decimal reader prints the low four bytes: 0x000734E0 = 472288
    assert normalize_uid("0000472288", "decimal") == "000734E0"


def test_em4100_needs_five_bytes():
    with pytest.raises(UidError):
        normalize_uid("01000734", "em4100")


@pytest.mark.parametrize("raw,fmt", [
    ("1A2B3C4D", "hex"), ("1a:2b:3c:4d", "hex"), ("1A-2B-3C-4D", "hex"), ("0x1A2B3C4D", "hex"),
    ("4D3C2B1A", "hex-reversed"), ("0439041101", "decimal"), ("439041101", "decimal"),
    ("1295788826", "decimal-reversed"),
])
def test_one_mifare_card_many_spellings(raw, fmt):
    """A MIFARE Classic 4-byte UID 1A 2B 3C 4D as different readers print it."""
    assert normalize_uid(raw, fmt) == "1A2B3C4D"


def test_seven_byte_uid_spellings():
    uid = "04A1B2C3D4E5F6"
    as_int = int(uid, 16)
    assert normalize_uid(uid.lower()) == uid
    assert normalize_uid(bytes.fromhex(uid)[::-1].hex(), "hex-reversed") == uid
    assert normalize_uid(str(as_int), "decimal") == uid
    assert normalize_uid(str(int.from_bytes(bytes.fromhex(uid), "little")), "decimal-reversed") == uid


def test_uid_from_raw_bytes():
    assert normalize_uid(b"\x04\xa1\xb2\xc3") == "04A1B2C3"
    with pytest.raises(UidError):
        normalize_uid(b"\x01\x02")


@pytest.mark.parametrize("raw,fmt", [
    ("", "hex"), ("XYZ", "hex"), ("ABC", "hex"), ("0102", "hex"), ("00" * 11, "hex"), ("12a4", "decimal"),
    ("-5", "decimal"), ("٣٤٥٦", "decimal"), ("9" * 30, "decimal"), ("300,1", "wiegand26"), ("1,70000", "wiegand26"),
    ("1A2B3C4D", "base64"), (12345, "hex"),
])
def test_malformed_uids_are_refused(raw, fmt):
    with pytest.raises(UidError):
        normalize_uid(raw, fmt)


def test_looks_like_uid():
    assert looks_like_uid("04A1B2C3") and not looks_like_uid("hello")
    assert set(FORMATS) >= {"hex", "hex-reversed", "decimal", "decimal-reversed", "em4100"}


# -- public holidays -----------------------------------------------------------------------------

@pytest.mark.parametrize("year,easter", [(2000, date(2000, 4, 23)), (2019, date(2019, 4, 21)),
                                         (2024, date(2024, 3, 31)), (2025, date(2025, 4, 20)),
                                         (2026, date(2026, 4, 5)), (2027, date(2027, 3, 28)),
                                         (2038, date(2038, 4, 25)), (2285, date(2285, 3, 22))])
def test_easter_sunday(year, easter):
    assert easter_sunday(year) == easter


def test_public_holidays_2026():
    days = public_holidays(2026)
    assert len(days) == 11
    assert days[date(2026, 4, 6)] == "Lundi de Pâques"
    assert days[date(2026, 5, 14)] == "Ascension"
    assert days[date(2026, 5, 25)] == "Lundi de Pentecôte"
    assert {date(2026, 1, 1), date(2026, 5, 1), date(2026, 5, 8), date(2026, 7, 14), date(2026, 8, 15),
            date(2026, 11, 1), date(2026, 11, 11), date(2026, 12, 25)} <= set(days)


def test_alsace_moselle_adds_good_friday_and_st_stephen():
    days = public_holidays(2026, alsace_moselle=True)
    assert len(days) == 13
    assert days[date(2026, 4, 3)] == "Vendredi saint" and days[date(2026, 12, 26)] == "Saint-Étienne"
    assert holiday_name(date(2026, 4, 3)) is None
    assert holiday_name(date(2026, 4, 3), True) == "Vendredi saint"
    assert holiday_name(date(2026, 11, 23)) is None


# -- services and local time ---------------------------------------------------------------------

def test_parse_weekdays():
    assert parse_weekdays("mon,tue,thu,fri") == {0, 1, 3, 4}
    assert parse_weekdays(" Mon , WED ") == {0, 2}
    assert parse_weekdays("lundi,mardi,jeudi,vendredi") == {0, 1, 3, 4}
    assert parse_weekdays("lun,mer,sam,dim") == {0, 2, 5, 6}
    assert parse_weekdays("") == frozenset() and parse_weekdays(None) == frozenset()
    assert format_weekdays({4, 0, 1, 3}) == "mon,tue,thu,fri"
    with pytest.raises(WeekdaysError):
        parse_weekdays("mon,funday")


def test_parse_hhmm():
    assert parse_hhmm("11:15") == time(11, 15) and parse_hhmm(" 7:05 ") == time(7, 5)
    for bad in ("1115", "25:00", "11:60", "", "ab:cd"):
        with pytest.raises(ValueError):
            parse_hhmm(bad)


def test_service_is_open_start_inclusive_end_exclusive():
    lunch = ServiceInfo("dejeuner", "Déjeuner", time(11, 15), time(13, 45))
    paris = ZoneInfo("Europe/Paris")
    assert not lunch.is_open(datetime(2026, 11, 23, 11, 14, 59, tzinfo=paris))
    assert lunch.is_open(datetime(2026, 11, 23, 11, 15, tzinfo=paris))
    assert not lunch.is_open(datetime(2026, 11, 23, 13, 45, tzinfo=paris))
    assert not lunch.is_open(datetime(2026, 11, 28, 12, 0, tzinfo=paris))  # Saturday


def test_open_and_next_service():
    paris = ZoneInfo("Europe/Paris")
    breakfast = ServiceInfo("pdj", "Petit-déjeuner", time(7, 0), time(8, 0))
    lunch = ServiceInfo("dejeuner", "Déjeuner", time(11, 15), time(13, 45))
    dinner = ServiceInfo("diner", "Dîner", time(18, 45), time(19, 45), frozenset({0, 1, 2, 3}))
    services = (lunch, dinner, breakfast)
    monday_9 = datetime(2026, 11, 23, 9, 0, tzinfo=paris)
    assert open_service(services, monday_9) is None
    assert next_service(services, monday_9) == lunch
    assert next_service(services, datetime(2026, 11, 23, 6, 0, tzinfo=paris)) == breakfast
    assert next_service(services, datetime(2026, 11, 27, 15, 0, tzinfo=paris)) is None  # no dinner on Friday
    assert open_service(services, datetime(2026, 11, 23, 19, 0, tzinfo=paris)) == dinner


def test_local_time_refuses_naive_instants_and_handles_dst():
    with pytest.raises(ValueError):
        local_time(datetime(2026, 11, 23, 12, 0), "Europe/Paris")
    summer = local_time(datetime(2027, 3, 28, 9, 15, tzinfo=timezone.utc), "Europe/Paris")
    assert (summer.hour, summer.minute, summer.utcoffset().total_seconds()) == (11, 15, 7200)
    assert to_local_date(datetime(2026, 11, 22, 23, 0, tzinfo=timezone.utc), "Europe/Paris") == date(2026, 11, 23)


# -- staff PINs ----------------------------------------------------------------------------------

def test_pin_hash_and_verify():
    stored = hash_pin("2468", fast=True)
    assert stored.startswith("scrypt$1024$") and "2468" not in stored
    assert verify_pin("2468", stored)
    assert not verify_pin("2469", stored)
    assert hash_pin("2468", fast=True) != stored  # salted


def test_full_cost_pin_hash():
    stored = hash_pin("123456")
    assert stored.startswith("scrypt$16384$8$1$") and verify_pin("123456", stored)


@pytest.mark.parametrize("pin", ["", "123", "abcd", "12 34", "1" * 13, "١٢٣٤"])
def test_pins_are_4_to_12_ascii_digits(pin):
    with pytest.raises(ValueError):
        hash_pin(pin, fast=True)


@pytest.mark.parametrize("stored", ["", "plain", "bcrypt$1$2$3$4$5", "scrypt$x$8$1$AAAA$AAAA",
                                    "scrypt$1024$8$1$!!!$AAAA"])
def test_verify_pin_with_a_damaged_hash_is_false_not_an_error(stored):
    assert verify_pin("1234", stored) is False


# -- the official school calendar ----------------------------------------------------------------

HEADER = "description;population;start_date;end_date;location;zones;annee_scolaire\n"


def test_calendar_dates_are_paris_midnights_written_in_utc():
    # 2024-10-18T22:00Z is Saturday 19 October in Paris; the end is the morning classes resume
    h = row_to_holiday("Vacances de la Toussaint", "2024-10-18T22:00:00+00:00", "2024-11-03T23:00:00+00:00",
                       "2024-2025")
    assert (h.first_day, h.last_day) == (date(2024, 10, 19), date(2024, 11, 3))


def test_calendar_zero_length_records():
    bridge = row_to_holiday("Pont de l'Ascension", "2027-05-06T22:00:00+00:00", "2027-05-06T22:00:00+00:00", "")
    assert (bridge.first_day, bridge.last_day) == (date(2027, 5, 7), date(2027, 5, 7))
    summer = row_to_holiday("Début des Vacances d'Été", "2027-07-02T22:00:00+00:00", "", "2026-2027")
    assert (summer.first_day, summer.last_day) == (date(2027, 7, 3), date(2027, 8, 31))
    assert row_to_holiday("Autre", "2027-01-01T00:00:00+00:00", "2027-01-01T00:00:00+00:00", "") is None


def test_calendar_deduplicates_academies_and_filters_zone_and_population():
    text = HEADER + (
        "Vacances de Noël;-;2026-12-18T23:00:00+00:00;2027-01-03T23:00:00+00:00;Lyon;Zone A;2026-2027\n"
        "Vacances de Noël;-;2026-12-18T23:00:00+00:00;2027-01-03T23:00:00+00:00;Grenoble;Zone A;2026-2027\n"
        "Vacances d'Été;Enseignants;2027-07-03T22:00:00+00:00;2027-08-31T22:00:00+00:00;Lyon;Zone A;2026-2027\n"
        "Vacances d'Été;Élèves;2027-07-02T22:00:00+00:00;2027-08-31T22:00:00+00:00;Lyon;Zone A;2026-2027\n"
        "Vacances d'Hiver;-;2027-02-05T23:00:00+00:00;2027-02-21T23:00:00+00:00;Paris;Zone C;2026-2027\n")
    got = read_official_csv(text, "Zone A")
    assert [(h.label, h.first_day, h.last_day) for h in got] == [
        ("Vacances de Noël", date(2026, 12, 19), date(2027, 1, 3)),
        ("Vacances d'Été", date(2027, 7, 3), date(2027, 8, 31))]


def test_shipped_official_calendar_zone_a_2026_2027():
    from plateau.demo.school import CALENDAR_CSV

    got = {h.label: (h.first_day, h.last_day) for h in read_official_csv(CALENDAR_CSV, "Zone A")
           if h.school_year == "2026-2027"}
    assert got["Vacances de la Toussaint"] == (date(2026, 10, 17), date(2026, 11, 1))
    assert got["Vacances de Noël"] == (date(2026, 12, 19), date(2027, 1, 3))
    assert got["Pont de l'Ascension"] == (date(2027, 5, 7), date(2027, 5, 7))
