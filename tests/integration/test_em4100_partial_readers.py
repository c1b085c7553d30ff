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
