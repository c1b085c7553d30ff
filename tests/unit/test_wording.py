"""Messages as codes and parameters (`plateau.server.wording`): every message has both languages
with the same parameters, and a stored report's message reads in either language."""

from __future__ import annotations

import string

import pytest

from plateau.server.wording import Said, worded
from plateau.server.wording_text import TEXT


def _fields(template: str) -> set[str]:
    return {name for _lit, name, _spec, _conv in string.Formatter().parse(template) if name}


@pytest.mark.parametrize("code", sorted(TEXT))
def test_each_message_has_french_words_with_the_same_parameters(code):
    english, french = TEXT[code]
    assert _fields(english) == _fields(french)
    params = {name: "2026-11-23" for name in _fields(english)}
    params.update({name: 2 for name in _fields(english) if name in ("weekday", "n", "line", "year")})
    said = Said(code, **params)
    assert said.text("en") and said.text("fr")


def test_dates_weekdays_and_field_names_are_worded_in_each_language():
    said = Said("date_nonexistent", what="arrival date", text="31/02/2026")
    assert said.text("en") == "arrival date '31/02/2026' does not exist in the calendar" == str(said)
    assert said.text("fr") == "la date d'arrivée '31/02/2026' n'existe pas dans le calendrier"
    refusal = Said("booking_service_not_that_day", service="Déjeuner", weekday=2)
    assert (refusal.text("en"), refusal.text("fr")) == ("no Déjeuner on Wednesdays", "pas de Déjeuner le mercredi")
    closure = Said("booking_closure", day="2026-12-03")
    assert (closure.text("en"), closure.text("fr")) == ("the canteen is closed on 2026-12-03",
                                                        "la cantine est fermée le 03/12/2026")


def test_a_message_inside_a_message_is_worded_in_the_same_language():
    inner = Said("value_missing", what="date")
    outer = Said("pupil_value", eid="E12", detail=inner.to_json())
    assert outer.text("en") == "pupil E12: the date is missing"
    assert outer.text("fr") == "élève E12 : la date manque"


def test_a_stored_message_reads_in_either_language_and_an_uncoded_one_as_it_was():
    stored = {"line": 3, "message": "the uid column is empty", **Said("uid_column_empty").to_json()}
    assert worded(stored, "fr") == "la colonne uid est vide"
    assert worded(stored, "en") == "the uid column is empty"
    assert worded({"line": 3, "message": "an older report's words"}, "fr") == "an older report's words"
    assert worded({"message": "kept", "code": "no_longer_a_code", "params": {}}, "fr") == "kept"
    with pytest.raises(KeyError):
        Said("no_such_message")


def test_the_official_calendars_messages_read_in_french_from_the_same_codes():
    from datetime import date

    from plateau.domain.school_calendar import CalendarMessage, interpret

    _holiday, (code, params) = interpret("Vacances d'Été", date(2027, 7, 3), None, "2026-2027")
    note = CalendarMessage(4, code, params)
    said = Said(note.code, **note.params)
    assert said.text("en") == note.message == ("\"Vacances d'Été\" from 2027-07-03 has no published end: closed "
                                               "until 2027-08-31; import the calendar again once the date is "
                                               "published")
    assert said.text("fr").startswith("\"Vacances d'Été\" du 03/07/2027 n'a pas de fin publiée : fermé "
                                      "jusqu'au 31/08/2027")
