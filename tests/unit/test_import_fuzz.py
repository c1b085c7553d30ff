"""Whatever the bytes, a parser answers a report or refuses the file with a sentence: never a crash."""

from __future__ import annotations

from datetime import date

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from plateau.server.imports.context import ImportContext
from plateau.server.imports.report import ImportRejected, ImportReport
from plateau.server.imports.runner import KINDS, kind_module

CTX = ImportContext("0691234X", zone="Zone A", today=date(2026, 11, 23))
HEADERS = {
    "siecle": '<?xml version="1.0" encoding="ISO-8859-15"?>\n<BEE_ELEVES><DONNEES><ELEVES><ELEVE ELEVE_ID="1">',
    "calendar": "description;population;start_date;end_date;location;zones;annee_scolaire\nX;-;",
    "persons": "person;last_name;first_name;category;class;plan\n",
    "cards": "person;uid;format;status\n",
    "payments": "reference;person;amount;date\n",
    "oppositions": "person;from;to;motive\n",
    "reservations": "person;date;service\n",
    "guardians": "guardian;email;last_name;first_name;person;financial\n",
}
CELLS = st.sampled_from(["", "2026-11-23", "31/02/2026", "9999-12-31", "12,50", "-1", "forfait:lun", "ticket",
                         "every mon from 2026-11-23 to 2026-12-31", "04A1B2C3", "0439041101", "é", "\x00", '"',
                         "2026-11-23T25:00", "T", "every other week fri from 2026-01-01 to 2026-12-31", "<", ";"])
LINES = st.lists(st.lists(CELLS, max_size=7).map(";".join), max_size=8).map("\n".join)


def _parse(kind: str, data: bytes) -> None:
    report = ImportReport(kind)
    try:
        kind_module(kind).parse(data, CTX, report)
    except ImportRejected as exc:
        assert str(exc)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(kind=st.sampled_from(KINDS), body=LINES)
def test_plausible_garbage_after_a_real_header(kind, body):
    _parse(kind, (HEADERS[kind] + body).encode("utf-8"))


@settings(max_examples=60, deadline=None)
@given(kind=st.sampled_from(KINDS), data=st.binary(max_size=400))
def test_random_bytes(kind, data):
    _parse(kind, data)


@settings(max_examples=60, deadline=None)
@given(body=LINES, data=st.binary(max_size=400))
def test_the_siecle_guardians_parser_never_crashes(body, data):
    from plateau.server.imports import guardians_siecle

    head = ('<?xml version="1.0" encoding="ISO-8859-15"?>\n<BEE_RESPONSABLES><DONNEES><RESPONSABLES>'
            '<RESPONSABLE_ELEVE><ELEVE_ID>1</ELEVE_ID><PERSONNE_ID>')
    for raw in ((head + body).encode("utf-8"), data):
        try:
            guardians_siecle.parse(raw, CTX, ImportReport("siecle"))
        except ImportRejected as exc:
            assert str(exc)
