"""The durable passage log on a real replica file: decide, record, refuse a second meal."""

from plateau.domain.reasons import Reason
from tests.conftest import paris


def first_forfait_pupil(school):
    return next(p for p, d in school.persons.items()
                if d["plan"] == "forfait" and p in school.cards and p not in school.absent_today
                and d["leaving_date"] is None and d["forfait_days"].startswith("mon,tue")
                and p != 8)


def test_badge_then_already_served(recorder, demo_school):
    pid = first_forfait_pupil(demo_school)
    uid = demo_school.cards[pid]
    first = recorder.badge(uid, paris(2026, 11, 23, 12, 3))
    assert first.decision.accepted and first.decision.reason is Reason.OK
    second = recorder.badge(uid, paris(2026, 11, 23, 12, 9))
    assert not second.decision.accepted
    assert second.decision.reason is Reason.ALREADY_SERVED
    assert second.decision.message("fr") == "Déjà passé à 12:03 (self-1)"
    assert second.decision.message("en") == "Already served at 12:03 (self-1)"


def test_unknown_card(recorder):
    d = recorder.badge("DEADBEEF", paris(2026, 11, 23, 12, 0)).decision
    assert d.reason is Reason.UNKNOWN_CARD and d.person is None
