"""One 125 kHz card is one person, whether the reader reports 5, 4 or 3 of its bytes."""

from plateau.db.replica import apply_changes
from plateau.domain.reasons import Reason
from plateau.domain.uid import normalize_uid
from plateau.sync.protocol import Change
from tests.conftest import paris

TAG = "01000734E0"  # the RDM6300 example of docs/readers.md


def _enrol(replica, uid, person_id):
    with replica.begin() as conn:
        apply_changes(conn, [Change(1, "card", "upsert", uid, {"uid": uid, "person_id": person_id,
                                                               "status": "active"})])


def _ticket_person(school):
    return next(p for p, d in school.persons.items() if d["plan"] == "ticket")


def test_decimal_and_wiegand_readers_find_the_card_enrolled_with_five_bytes(replica, recorder, demo_school):
    person = _ticket_person(demo_school)
    _enrol(replica, TAG, person)
    at = paris(2026, 11, 23, 12, 0)
    for spelled, fmt in ((TAG, "em4100"), ("0000472288", "decimal"), ("7,13536", "wiegand26")):
        decision = recorder.check(normalize_uid(spelled, fmt), at)
        assert decision.person is not None and decision.person.id == person, (spelled, fmt)


def test_an_ambiguous_tail_is_an_unknown_card(replica, recorder, demo_school):
    person = _ticket_person(demo_school)
    _enrol(replica, TAG, person)
    _enrol(replica, "02000734E0", person + 1)  # another tag with the same low four bytes
    decision = recorder.check(normalize_uid("0000472288", "decimal"), paris(2026, 11, 23, 12, 0))
    assert decision.reason is Reason.UNKNOWN_CARD


# Supplier-style 125 kHz cards: the number printed on the card is the decimal of the tag's low
# four bytes (10 digits), often with the Wiegand-26 "facility,card" pair beside it; a full
# reader (RDM6300) reports all five bytes, the first being the tag's customer byte.
#   printed             wiegand     low 4 bytes   full tag
#   0004613482          070,25962   0046656A      0A0046656A   (4613482 = 0x46656A)
#   0012345678          188,24910   00BC614E      1E00BC614E   (12345678 = 0xBC614E)
PRINTED = (("0004613482", "070,25962", "0A0046656A"), ("0012345678", "188,24910", "1E00BC614E"))
NOON = paris(2026, 11, 23, 12, 0)


def _ticket_persons(school, n):
    return [p for p, d in school.persons.items() if d["plan"] == "ticket"][:n]


def _who(recorder, uid):
    decision = recorder.check(uid, NOON)
    return decision.person.id if decision.person is not None else decision.reason


def test_the_supplier_numbers_are_the_low_bytes_of_the_tag():
    for printed, wiegand, full in PRINTED:
        assert normalize_uid(printed, "decimal") == full[2:]
        assert normalize_uid(wiegand, "wiegand26") == full[4:]
        assert int(printed) == int(full[2:], 16)


def test_a_card_enrolled_by_its_printed_number_is_found_by_a_full_reader(replica, recorder, demo_school):
    people = _ticket_persons(demo_school, 2)
    for (printed, _wiegand, full), person in zip(PRINTED, people):
        _enrol(replica, normalize_uid(printed, "decimal"), person)
    for (printed, _wiegand, full), person in zip(PRINTED, people):
        assert _who(recorder, normalize_uid(full, "em4100")) == person, full
        assert _who(recorder, normalize_uid(printed, "decimal")) == person, printed


def test_every_enrolment_spelling_meets_every_reader(replica, recorder, demo_school):
    """Enrolled as printed (decimal), as the Wiegand pair or in full; read by a full, a decimal
    or a Wiegand reader: the same pupil each time, both directions."""
    from sqlalchemy import text

    printed, wiegand, full = PRINTED[0]
    person = _ticket_persons(demo_school, 1)[0]
    reads = (normalize_uid(full, "em4100"), normalize_uid(printed, "decimal"), normalize_uid(wiegand, "wiegand26"))
    for enrolled in reads:
        with replica.begin() as conn:
            conn.execute(text("DELETE FROM card WHERE person_id = :p"), {"p": person})
        _enrol(replica, enrolled, person)
        for read in reads:
            assert _who(recorder, read) == person, (enrolled, read)


def test_a_tail_shared_by_two_cards_never_names_the_wrong_pupil(replica, recorder, demo_school):
    printed, wiegand, full = PRINTED[0]
    first, second = _ticket_persons(demo_school, 2)
    _enrol(replica, normalize_uid(printed, "decimal"), first)     # enrolled by its printed number
    other_tag = "0B" + full[2:]                                      # another tag, same low four bytes
    _enrol(replica, other_tag, second)
    assert _who(recorder, other_tag) == second                      # a full read of a full enrolment
    assert _who(recorder, full) == first                            # not the other tag: the printed card
    # a decimal or Wiegand reader cannot tell the two tags apart: refused, not guessed
    assert _who(recorder, normalize_uid(printed, "decimal")) is Reason.UNKNOWN_CARD
    assert _who(recorder, normalize_uid(wiegand, "wiegand26")) is Reason.UNKNOWN_CARD


def test_two_short_enrolments_fitting_one_full_read_are_refused(replica, recorder, demo_school):
    printed, wiegand, full = PRINTED[0]
    first, second = _ticket_persons(demo_school, 2)
    _enrol(replica, normalize_uid(printed, "decimal"), first)
    _enrol(replica, normalize_uid(wiegand, "wiegand26"), second)  # the same low three bytes
    assert _who(recorder, full) is Reason.UNKNOWN_CARD


def test_tail_lookups_are_index_probes(replica):
    from plateau.db import queries

    with replica.connect() as conn:
        for sql, args, index in ((queries._FITS_8, ("0046656A", "46656A", "0046656A"), "ix_card_tail8"),
                                 (queries._FITS_6, ("46656A", "46656A"), "ix_card_tail6")):
            plan = " ".join(str(r[-1]) for r in conn.exec_driver_sql("EXPLAIN QUERY PLAN " + sql, args))
            assert index in plan and "SCAN" not in plan, plan
