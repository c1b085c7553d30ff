"""CSV handling shared by the kinds, and each CSV kind's parser, on in-memory files."""

from __future__ import annotations

from datetime import date, datetime, timezone
from zoneinfo import ZoneInfo

import pytest

from plateau.server.imports import cards, oppositions, payments, persons, reservations
from plateau.server.imports.context import ImportContext
from plateau.server.imports.report import ImportRejected, ImportReport
from plateau.server.imports.source import check_content, csv_rows, decode_text
from plateau.server.imports.values import ValueProblem, parse_bound, parse_plan

CTX = ImportContext("0691234X", today=date(2026, 11, 23))


def parsed(module, text: str | bytes, ctx=CTX):
    report = ImportReport(module.__name__.rsplit(".", 1)[-1])
    data = text.encode("utf-8") if isinstance(text, str) else text
    return module.parse(data, ctx, report), report


@pytest.mark.parametrize("data", [
    b"person;uid\n1;AABBCCDD\n", b"person,uid\r\n1,AABBCCDD\r\n", b"\xef\xbb\xbfperson;uid\n1;AABBCCDD\n",
    b"Person ; UID ; Commentaire\n1;AABBCCDD;x\n", "person;uid\r\n1;AABBCCDD\r\n".encode("utf-16"),
])
def test_separators_bom_case_and_extra_columns(data):
    names, rows = csv_rows(data, "cards", ("person", "uid"))
    (row,) = list(rows)
    assert (row.line, row.get("person"), row.get("uid")) == (2, "1", "AABBCCDD")


def test_windows_1252_from_excel_is_read():
    data = "person;last_name;first_name;category;class;plan\nX1;LEFÈVRE;Zoé;commensal;;ticket\n".encode("cp1252")
    (line,), _ = parsed(persons, data)
    assert line.fields["last_name"] == "LEFÈVRE"


def test_line_numbers_count_blank_lines_and_quoted_newlines():
    data = b'person;uid\n\n1;"AA\nBB"\n2;CCDDEEFF\n'
    _names, rows = csv_rows(data, "cards", ("person", "uid"))
    assert [r.line for r in rows] == [3, 5]


def test_missing_columns_name_the_kind_and_what_was_found():
    with pytest.raises(ImportRejected, match=r"not look like a cards file.*uid.*found nom, prenom") as exc:
        csv_rows(b"nom;prenom\nA;B\n", "cards", ("person", "uid"))
    assert exc.value.line == 1


def test_binary_and_text_checks():
    with pytest.raises(ImportRejected, match="empty"):
        check_content(b"  \n")
    with pytest.raises(ImportRejected, match="not a text file"):
        check_content(b"abc\x00def")
    assert decode_text(b"caf\xc3\xa9") == "café" and decode_text(b"caf\xe9") == "café"


def test_plan_cells():
    assert parse_plan("forfait:lun,mar,jeu,ven") == ("forfait", "mon,tue,thu,fri")
    assert parse_plan(" Ticket ") == ("ticket", None)
    for bad in ("", "forfait", "buffet", "ticket:mon", "forfait:xyz"):
        with pytest.raises(ValueProblem):
            parse_plan(bad)


def test_bounds_dates_inclusive_and_instants():
    paris = ZoneInfo("Europe/Paris")
    utc = timezone.utc
    assert parse_bound("2026-11-23", paris, end=False, what="from") == datetime(2026, 11, 22, 23, tzinfo=utc)
    assert parse_bound("23/11/2026", paris, end=True, what="to") == datetime(2026, 11, 23, 23, tzinfo=utc)
    assert parse_bound("2026-11-23 11:30", paris, end=False, what="from") == datetime(2026, 11, 23, 10, 30,
                                                                                     tzinfo=utc)
    assert parse_bound("2026-07-01T12:00:00Z", paris, end=False, what="from") == datetime(2026, 7, 1, 12,
                                                                                         tzinfo=utc)
    with pytest.raises(ValueProblem, match="neither a date"):
        parse_bound("tomorrow", paris, end=False, what="from")


def test_cards_same_card_in_two_spellings_on_two_lines_is_caught():
    _, report = parsed(cards, "person;uid;format\nA;1A2B3C4D;hex\nB;4D3C2B1A;hex-reversed\n")
    assert report.errors[0].line == 3 and "already on line 2 for person A" in report.errors[0].message


def test_cards_default_format_of_the_file():
    (line,), _ = parsed(cards, "person;uid\nA;0439041101\n", ImportContext("X", options={"format": "decimal"}))
    assert line.uid == "1A2B3C4D"


def test_payments_amounts_and_repeated_lines():
    lines, report = parsed(payments, "reference;person;amount;date\nR1;A;12,5;2026-11-20\nR2;A;-3.00;20/11/2026\n"
                                     "R1;A;12.50;2026-11-20\nR3;A;0;2026-11-20\nR4;A;20 000,00;2026-11-20\n")
    assert [(ln.reference, ln.cents) for ln in lines] == [("R1", 1250), ("R2", -300)]
    assert [e.line for e in report.errors] == [5, 6] and report.notes[0].line == 4


def test_oppositions_single_day_without_end_and_errors():
    lines, report = parsed(oppositions, "person;from;to;motive\nA;2026-11-23;;\nB;2026-11-23T08:00;;x\n"
                                        "C;2026-11-23;2026-11-22;x\n")
    assert len(lines) == 1 and lines[0].motive == "Opposition"
    assert (lines[0].ends_at - lines[0].starts_at).total_seconds() == 86400
    assert [e.line for e in report.errors] == [3, 4]


@pytest.mark.parametrize("cell, first, last, count", [
    ("every mon,tue,thu,fri from 2026-11-23 to 2026-12-04", date(2026, 11, 23), date(2026, 12, 4), 8),
    ("every other week mon,thu from 2026-11-26 to 2026-12-24", date(2026, 11, 26), date(2026, 12, 24), 5),
    ("tous les lun,jeu du 23/11/2026 au 04/12/2026", date(2026, 11, 23), date(2026, 12, 3), 4),
    ("une semaine sur deux le mercredi du 2026-11-23 au 2026-12-31", date(2026, 11, 25), date(2026, 12, 23), 3),
    ("2026-11-24", date(2026, 11, 24), date(2026, 11, 24), 1),
])
def test_reservation_patterns(cell, first, last, count):
    days, _pattern = reservations.expand(cell)
    assert (days[0], days[-1], len(days)) == (first, last, count)


def test_every_other_week_counts_weeks_from_the_first_date():
    days, _ = reservations.expand("every other week mon,thu from 2026-11-26 to 2026-12-24")
    assert days == [date(2026, 11, 26), date(2026, 12, 7), date(2026, 12, 10), date(2026, 12, 21),
                    date(2026, 12, 24)]


@pytest.mark.parametrize("cell, words", [("every day from 2026-11-23 to 2026-12-04", "unknown weekday"),
                                         ("every mon from 2026-12-04 to 2026-11-23", "ends"),
                                         ("every mon from 2026-01-01 to 2027-12-31", "more than"),
                                         ("next monday", "neither a date nor a pattern")])
def test_reservation_pattern_errors(cell, words):
    with pytest.raises(ValueProblem, match=words):
        reservations.expand(cell)


def test_persons_duplicates_and_missing_values():
    lines, report = parsed(persons, "person;last_name;first_name;category;class;plan\nA;X;Y;commensal;;ticket\n"
                                    "A;X;Y;commensal;;ticket\n;X;Y;commensal;;ticket\nB;X;Y;;;ticket\n")
    assert len(lines) == 1 and [e.line for e in report.errors] == [3, 4, 5]
