"""The kiosk flow as a state machine: no Qt, no files, a fake clock (plain floats)."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone

import pytest

from plateau.domain.reasons import Reason
from plateau.domain.services import ServiceInfo
from plateau.domain.rules import Decision
from plateau.domain.snapshot import PersonInfo
from plateau.domain.staff import StaffMember
from plateau.station.flow import (STAFF_SCREENS, FlowError, KioskFlow, PinResult, ReadAction, Screen,
                                  connectivity, service_line)
from plateau.sync.status import SyncStatus

AT = datetime(2026, 11, 23, 11, 30, tzinfo=timezone.utc)
PUPIL = PersonInfo(1, "MARTIN", "Léa", "6eA", "eleve", "ticket", frozenset(), "active", None, None)
AGENT = StaffMember(1, "Mme Agent", "staff")
MANAGER = StaffMember(2, "M. Gestionnaire", "manager")
ADMIN = StaffMember(3, "Admin", "admin")


def log_in(flow: KioskFlow, member: StaffMember, now: float) -> None:
    """The corner's way in: long press, tap the name, the PIN checked right."""
    flow.request_staff(now)
    flow.staff_listed((AGENT, MANAGER, ADMIN))
    flow.choose_staff(member.id, now)
    assert flow.pin_checked(member, now) is PinResult.OK


def decision(accepted: bool, person=PUPIL) -> Decision:
    return Decision(accepted, Reason.OK if accepted else Reason.NO_RESERVATION, AT, AT.date(), None, person, "AB")


def test_badge_goes_to_result_then_back_to_idle_after_the_configured_time():
    flow = KioskFlow(result_seconds=2.0)
    assert flow.on_read(None, 0.0) is ReadAction.RECORD
    flow.show_result(decision(True), "p1", 0.1)
    assert flow.screen is Screen.RESULT
    assert not flow.tick(2.0)
    assert flow.tick(2.2) and flow.screen is Screen.IDLE


def test_a_new_badge_during_the_result_screen_replaces_it_at_once():
    flow = KioskFlow(result_seconds=2.0)
    flow.show_result(decision(True), "p1", 0.0)
    assert flow.on_read(None, 0.5) is ReadAction.RECORD
    flow.show_result(decision(False), "p2", 0.6)
    assert flow.outcome.passage_id == "p2"
    assert not flow.tick(2.1)  # the deadline moved with the new result
    assert flow.tick(2.7) and flow.screen is Screen.IDLE


def test_a_refusal_of_a_known_person_can_be_overridden_until_that_person_gets_in():
    flow = KioskFlow()
    flow.show_result(decision(False), "r1", 0.0)
    assert flow.last_refusal.passage_id == "r1"
    flow.show_result(decision(False, person=None), "u1", 1.0)  # an unknown badge is not overridable
    assert flow.last_refusal.passage_id == "r1"
    flow.show_result(decision(True), "ok1", 2.0)
    assert flow.last_refusal is None


def test_wrong_pins_lock_the_pad_then_it_opens_again():
    """The replica counts wrong PINs and decides the lock (`db.kiosk.check_pin`); the flow shows it."""
    flow = KioskFlow()
    flow.request_staff(0.0)
    flow.staff_listed((AGENT,))
    flow.choose_staff(AGENT.id, 0.0)
    assert flow.screen is Screen.PIN
    assert flow.pin_checked(None, 1.0) is PinResult.WRONG
    assert flow.pin_checked(None, 3.0, locked_for=60.0) is PinResult.LOCKED
    assert not flow.pin_allowed(30.0)
    assert flow.pin_checked(AGENT, 30.0) is PinResult.LOCKED  # even the right PIN waits
    assert flow.pin_allowed(63.5)
    assert flow.pin_checked(AGENT, 63.5) is PinResult.OK
    assert flow.screen is Screen.STAFF and flow.staff == AGENT


def test_a_lock_found_in_the_replica_at_start_holds_the_pad():
    flow = KioskFlow()
    flow.restore_lock(240.0, 10.0)
    flow.request_staff(20.0)
    assert not flow.pin_allowed(200.0) and flow.lock_remaining(200.0) == 50.0
    assert flow.pin_allowed(250.0)


def test_staff_badge_expects_that_persons_pin():
    flow = KioskFlow()
    assert flow.on_read(MANAGER, 0.0) is ReadAction.STAFF_LOGIN
    assert flow.screen is Screen.PIN and flow.pin_for == MANAGER
    assert flow.pin_checked(AGENT, 1.0) is PinResult.WRONG  # another person's PIN
    assert flow.pin_checked(MANAGER, 2.0) is PinResult.OK


def test_staff_mode_leaves_after_inactivity():
    flow = KioskFlow(staff_timeout_seconds=60)
    log_in(flow, AGENT, 1.0)
    flow.open(Screen.FORGOTTEN, 10.0)
    assert not flow.tick(69.0)
    flow.touch(69.0)
    assert not flow.tick(120.0)
    assert flow.tick(129.5) and flow.screen is Screen.IDLE and flow.staff is None


def test_pin_pad_abandoned_goes_back_to_idle():
    flow = KioskFlow(staff_timeout_seconds=30)
    flow.request_staff(0.0)
    assert flow.tick(31.0) and flow.screen is Screen.IDLE
    flow.request_staff(40.0)
    flow.staff_listed((AGENT,))
    flow.choose_staff(AGENT.id, 50.0)   # a name tapped, then nothing typed
    assert not flow.tick(79.0) and flow.tick(80.5) and flow.screen is Screen.IDLE and flow.pin_for is None


def test_the_corner_asks_who_first_and_checks_the_pin_of_that_person_only():
    """Defect 8 of the trust review: a PIN typed at the corner's pad was tried against every staff
    member, so N staff multiplied a guesser's odds. Now the pad names the person first."""
    flow = KioskFlow()
    flow.request_staff(0.0)
    assert flow.screen is Screen.WHO and flow.pin_for is None and flow.staff_choices == ()
    assert flow.pin_checked(AGENT, 0.5) is PinResult.WRONG   # nobody named yet: no PIN opens anything
    flow.staff_listed((AGENT, MANAGER))
    assert flow.choose_staff(MANAGER.id, 1.0) == MANAGER
    assert flow.screen is Screen.PIN and flow.pin_for == MANAGER
    assert flow.pin_checked(AGENT, 2.0) is PinResult.WRONG   # another person's PIN
    assert flow.screen is Screen.PIN and flow.staff is None
    assert flow.pin_checked(MANAGER, 3.0) is PinResult.OK
    assert flow.screen is Screen.STAFF and flow.staff == MANAGER and flow.pin_for is None


def test_only_a_listed_name_can_be_chosen_and_only_on_who():
    flow = KioskFlow()
    with pytest.raises(FlowError):
        flow.choose_staff(AGENT.id, 0.0)             # not asking who
    flow.request_staff(0.0)
    flow.staff_listed((AGENT,))
    with pytest.raises(FlowError):
        flow.choose_staff(ADMIN.id, 0.0)             # not an active staff member of this replica
    assert flow.screen is Screen.WHO and flow.pin_for is None


def test_back_on_a_named_pin_pad_returns_to_the_names_and_cancel_leaves():
    flow = KioskFlow()
    flow.request_staff(0.0)
    flow.staff_listed((AGENT, MANAGER))
    flow.choose_staff(AGENT.id, 0.0)
    assert flow.pin_chosen_by_name
    flow.cancel_pin()                                # the wrong name was tapped: one tap back
    assert flow.screen is Screen.WHO and flow.pin_for is None
    flow.choose_staff(MANAGER.id, 1.0)
    assert flow.pin_for == MANAGER
    flow.cancel_pin()
    flow.cancel_pin()                                # "Cancel" on the names
    assert flow.screen is Screen.IDLE


def test_a_staff_badge_goes_straight_to_its_pin_even_from_who():
    flow = KioskFlow()
    assert flow.on_read(MANAGER, 0.0) is ReadAction.STAFF_LOGIN
    assert flow.screen is Screen.PIN and not flow.pin_chosen_by_name
    flow.cancel_pin()                                # a badge's pad: cancel leaves at once
    assert flow.screen is Screen.IDLE
    flow.request_staff(1.0)
    assert flow.on_read(MANAGER, 2.0) is ReadAction.STAFF_LOGIN
    assert flow.screen is Screen.PIN and flow.pin_for == MANAGER


def test_a_pupil_badge_during_staff_mode_shows_its_result_then_returns_to_the_staff_screen():
    flow = KioskFlow(result_seconds=2)
    log_in(flow, AGENT, 0.5)
    flow.open(Screen.PASSAGES, 1.0)
    assert flow.on_read(None, 2.0) is ReadAction.RECORD
    flow.show_result(decision(True), "p", 2.0)
    flow.tick(4.5)
    assert flow.screen is Screen.PASSAGES and flow.staff == AGENT


def test_roles_guard_the_manager_view_override_and_quit():
    flow = KioskFlow()
    with pytest.raises(FlowError):
        flow.open(Screen.STAFF, 0.0)
    log_in(flow, AGENT, 0.0)
    with pytest.raises(FlowError):
        flow.open(Screen.MANAGER, 0.0)
    with pytest.raises(FlowError):
        flow.open(Screen.OVERRIDE, 0.0)
    assert not flow.can_quit()
    flow.leave_staff()
    log_in(flow, ADMIN, 0.0)
    flow.open(Screen.MANAGER, 0.0)
    assert flow.can_quit()
    assert Screen.MANAGER in STAFF_SCREENS


def test_error_screen_then_back_to_where_we_were():
    flow = KioskFlow(ask_staff_seconds=5)
    flow.show_error("boom", 0.0)
    assert flow.screen is Screen.ASK_STAFF
    assert flow.tick(5.1) and flow.screen is Screen.IDLE


def test_service_line_current_then_next():
    svc = ServiceInfo("dejeuner", "Déjeuner", time(11, 15), time(13, 45))
    monday = date(2026, 11, 23)
    at_noon = datetime.combine(monday, time(11, 0), timezone.utc)  # 12:00 in Paris
    assert service_line((svc,), at_noon, "Europe/Paris").current == svc
    morning = datetime.combine(monday, time(8, 0), timezone.utc)
    line = service_line((svc,), morning, "Europe/Paris")
    assert line.current is None and line.upcoming == svc
    evening = datetime.combine(monday, time(17, 0), timezone.utc)
    assert service_line((svc,), evening, "Europe/Paris") == type(line)(None, None)


def _status(online, last_ok_minutes_ago, offline_since_minutes_ago=None, waiting=0):
    last = AT - timedelta(minutes=last_ok_minutes_ago) if last_ok_minutes_ago is not None else None
    since = AT - timedelta(minutes=offline_since_minutes_ago) if offline_since_minutes_ago is not None else None
    return SyncStatus(online, last, since, waiting, 0, None, "")


def test_connectivity_online_offline_and_a_silent_daemon():
    assert connectivity(_status(True, 0.2), AT).online
    off = connectivity(_status(False, 13, 12, waiting=37), AT)
    assert (off.online, off.offline_minutes, off.waiting) == (False, 12, 37)
    stale = connectivity(_status(True, 10), AT)  # the daemon said online, then went silent
    assert not stale.online and stale.offline_minutes == 10
    never = connectivity(None, AT)
    assert not never.online and never.offline_minutes is None


def test_reader_unplugged_then_ready():
    flow = KioskFlow()
    assert not flow.reader_down  # starting: pupils may already badge
    flow.reader_changed("unplugged")
    assert flow.reader_down
    flow.reader_changed("ready")
    assert not flow.reader_down


def test_staff_mode_expiring_during_a_pupils_result_goes_back_to_idle():
    flow = KioskFlow(result_seconds=2, staff_timeout_seconds=10)
    log_in(flow, AGENT, 0.0)
    flow.open(Screen.PASSAGES, 0.0)
    flow.show_result(decision(True), "p", 9.0)
    flow.tick(10.5)  # staff timed out while the pupil's answer is on screen
    assert flow.staff is None and flow.screen is Screen.RESULT
    flow.tick(11.5)
    assert flow.screen is Screen.IDLE
