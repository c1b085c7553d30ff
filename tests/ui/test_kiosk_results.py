"""A badge through the reader reaches the right result screen, with the right words, for every reason."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from plateau.domain.reasons import Reason
from plateau.station.flow import Screen
from plateau.station.ui import theme
from tests.conftest import paris

UNKNOWN = "DEADBEEF"
FORFAIT_4_DAYS = 1      # forfait mon, tue, thu, fri
OTHER_FORFAIT = 4       # forfait mon, tue, thu, fri too
LEFT_SCHOOL = 6         # left the school last week
LOST_CARD = 8           # card declared lost
TICKET_EMPTY = 22       # ticket plan, balance 0,00 €


def badge(qtbot, kiosk, uid: str):
    """Present a badge and wait for its result screen; return the decision shown."""
    before = kiosk.flow.outcome
    kiosk.reader.feed(uid)
    qtbot.waitUntil(lambda: kiosk.flow.screen is Screen.RESULT and kiosk.flow.outcome is not before, timeout=5000)
    assert kiosk.stack.currentWidget() is kiosk.result
    return kiosk.flow.outcome.decision


def plain(text: str) -> str:
    """Money is formatted with non-breaking spaces (never split "4,20 €" across lines)."""
    return text.replace("\xa0", " ").replace("\u202f", " ")


def shown(kiosk) -> dict:
    r = kiosk.result
    return {k: plain(v) for k, v in _shown(r).items()}


def _shown(r) -> dict:
    return {"root": r.root.objectName(), "icon": r.icon.text(), "headline": r.headline.text(),
            "name": r.name.text(), "class": r.class_name.text() if r.class_name.isVisibleTo(r) else "",
            "money": r.money.text() if r.money.isVisibleTo(r) else "",
            "warnings": r.warnings.text() if r.warnings.isVisibleTo(r) else ""}


def refused(kiosk) -> dict:
    out = shown(kiosk)
    assert out["root"] == "refused" and out["icon"] == theme.ICON_REFUSED  # colour never alone: icon too
    return out


def test_accepted_forfait_shows_green_name_class_and_plan(qtbot, kiosk, demo_school):
    d = badge(qtbot, kiosk, demo_school.cards[FORFAIT_4_DAYS])
    person = demo_school.persons[FORFAIT_4_DAYS]
    out = shown(kiosk)
    assert d.reason is Reason.OK
    assert out["root"] == "accepted" and out["icon"] == theme.ICON_OK
    assert out["headline"] == f"Bon appétit, {person['first_name']} !"
    assert out["name"] == f"{person['first_name']} {person['last_name']}"
    assert out["class"] == person["class_name"]
    assert out["money"] == "Compris dans le forfait"


def test_accepted_ticket_shows_price_balance_after_and_a_low_balance_warning(qtbot, kiosk, replica, demo_school):
    with replica.begin() as conn:
        conn.execute(text("UPDATE balance SET server_cents = 1000 WHERE person_id = :p"), {"p": TICKET_EMPTY})
    d = badge(qtbot, kiosk, demo_school.cards[TICKET_EMPTY])
    out = shown(kiosk)
    assert d.accepted and out["root"] == "accepted"
    assert out["money"] == "Repas 4,20 € — solde 5,80 €"
    assert out["warnings"] == f"{theme.ICON_WARN} Solde bas : 5,80 €"


def test_unknown_card(qtbot, kiosk):
    assert badge(qtbot, kiosk, UNKNOWN).reason is Reason.UNKNOWN_CARD
    out = refused(kiosk)
    assert (out["headline"], out["name"]) == ("Badge inconnu", "Adressez-vous au personnel")


def test_card_blocked(qtbot, kiosk, demo_school):
    assert badge(qtbot, kiosk, demo_school.cards[LOST_CARD]).reason is Reason.CARD_BLOCKED
    assert refused(kiosk)["headline"] == "Badge bloqué (déclaré perdu)"


def test_person_inactive(qtbot, kiosk, demo_school):
    assert badge(qtbot, kiosk, demo_school.cards[LEFT_SCHOOL]).reason is Reason.PERSON_INACTIVE
    assert refused(kiosk)["headline"] == "Inscription inactive"


def test_no_service(qtbot, kiosk, clock, demo_school):
    clock.at = paris(2026, 11, 23, 10, 0)
    assert badge(qtbot, kiosk, demo_school.cards[FORFAIT_4_DAYS]).reason is Reason.NO_SERVICE
    assert refused(kiosk)["headline"] == "Aucun service en cours — prochain : Déjeuner à 11:15"


def test_closed_day(qtbot, kiosk, clock, demo_school):
    clock.at = paris(2026, 12, 25, 12, 0)
    assert badge(qtbot, kiosk, demo_school.cards[FORFAIT_4_DAYS]).reason is Reason.CLOSED_DAY
    assert refused(kiosk)["headline"] == "Cantine fermée aujourd'hui : Noël"


def test_opposition_shows_the_queue_where_to_go_never_its_motive(qtbot, kiosk, demo_school):
    pupil = demo_school.absent_today[0]
    decision = badge(qtbot, kiosk, demo_school.cards[pupil])
    assert decision.reason is Reason.OPPOSITION
    out = refused(kiosk)
    assert out["headline"] == "Accès suspendu : voir la vie scolaire"
    assert "Absent" not in " ".join(out.values())
    assert decision.message("fr") == "Accès suspendu : Absent (vie scolaire)"  # the words staff see


def test_an_unpaid_opposition_sends_the_pupil_to_the_bursar(qtbot, make_kiosk, replica, demo_school):
    pupil = demo_school.absent_today[0]
    with replica.begin() as conn:
        conn.execute(text("UPDATE opposition SET source = 'unpaid', motive = 'Impayé T1 : 212,40 €' "
                          "WHERE person_id = :p"), {"p": pupil})
    kiosk = make_kiosk("en")
    assert badge(qtbot, kiosk, demo_school.cards[pupil]).reason is Reason.OPPOSITION
    assert refused(kiosk)["headline"] == "Access suspended: see the bursar's office"


def test_already_served_says_when_and_where(qtbot, kiosk, demo_school):
    uid = demo_school.cards[FORFAIT_4_DAYS]
    assert badge(qtbot, kiosk, uid).accepted
    assert badge(qtbot, kiosk, uid).reason is Reason.ALREADY_SERVED  # handled at once, during the result screen
    out = refused(kiosk)
    assert out["headline"] == "Déjà passé à 12:00 (self-1)"
    assert out["name"] == "{first_name} {last_name}".format(**demo_school.persons[FORFAIT_4_DAYS])


def test_not_registered_today(qtbot, kiosk, clock, demo_school):
    clock.at = paris(2026, 11, 25, 12, 0)  # a Wednesday
    assert badge(qtbot, kiosk, demo_school.cards[OTHER_FORFAIT]).reason is Reason.NOT_REGISTERED_TODAY
    assert refused(kiosk)["headline"] == "Pas inscrit le mercredi"


def test_no_reservation(qtbot, kiosk, replica, demo_school):
    pupil = next(p for p, d in demo_school.persons.items() if d["plan"] == "reservation" and p in demo_school.cards)
    with replica.begin() as conn:
        conn.execute(text("DELETE FROM reservation WHERE person_id = :p"), {"p": pupil})
    assert badge(qtbot, kiosk, demo_school.cards[pupil]).reason is Reason.NO_RESERVATION
    assert refused(kiosk)["headline"] == "Pas de réservation aujourd'hui"


def test_insufficient_balance_shows_the_balance(qtbot, kiosk, demo_school):
    assert badge(qtbot, kiosk, demo_school.cards[TICKET_EMPTY]).reason is Reason.INSUFFICIENT_BALANCE
    assert refused(kiosk)["headline"] == "Solde insuffisant : 0,00 €"


@pytest.mark.parametrize("uid_of, at, expected", [
    (lambda s: s.cards[FORFAIT_4_DAYS], paris(2026, 11, 23, 12, 0), "Enjoy your meal, {first}!"),
    (lambda s: UNKNOWN, paris(2026, 11, 23, 12, 0), "Unknown badge"),
    (lambda s: s.cards[LOST_CARD], paris(2026, 11, 23, 12, 0), "Badge blocked (reported lost)"),
    (lambda s: s.cards[OTHER_FORFAIT], paris(2026, 11, 25, 12, 0), "Not registered on Wednesdays"),
    (lambda s: s.cards[TICKET_EMPTY], paris(2026, 11, 23, 12, 0), "Insufficient balance: €0.00"),
])
def test_english_result_screens(qtbot, make_kiosk, clock, demo_school, uid_of, at, expected):
    kiosk = make_kiosk("en")
    clock.at = at
    badge(qtbot, kiosk, uid_of(demo_school))
    first = demo_school.persons[FORFAIT_4_DAYS]["first_name"]
    assert plain(kiosk.result.headline.text()) == expected.format(first=first)
    if expected.startswith("Unknown"):
        assert kiosk.result.name.text() == "Please ask a member of staff"


def test_result_screen_goes_back_to_idle_after_the_configured_time(qtbot, make_kiosk, demo_school):
    kiosk = make_kiosk(result_seconds=0.3)
    badge(qtbot, kiosk, demo_school.cards[FORFAIT_4_DAYS])
    qtbot.waitUntil(lambda: kiosk.flow.screen is Screen.IDLE, timeout=3000)
    assert kiosk.stack.currentWidget() is kiosk.idle
    assert kiosk.idle.prompt.text() == "Passez votre badge"


def test_every_badge_is_recorded_before_its_answer_is_shown(qtbot, kiosk, replica, demo_school):
    badge(qtbot, kiosk, UNKNOWN)
    pid = kiosk.flow.outcome.passage_id
    with replica.connect() as conn:
        row = conn.execute(text("SELECT reason FROM passage WHERE id = :id"), {"id": pid}).first()
    assert row is not None and row.reason == "unknown_card"
