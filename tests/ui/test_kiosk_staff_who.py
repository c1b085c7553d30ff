"""The corner's PIN pad asks "who are you?" first (issue 14, defect 8): the PIN typed next is
checked against that one person's PIN, never against every staff member's."""

from __future__ import annotations

from PySide6.QtCore import Qt
from sqlalchemy import text

from plateau.domain.pins import LockoutPolicy, hash_pin
from plateau.station.flow import Screen
from tests.ui.test_kiosk_staff import MANAGER_PIN, STAFF_PIN, choose, click, open_who, type_pin


def test_the_corner_pad_lists_the_active_staff_in_french_order(qtbot, kiosk, replica):
    with replica.begin() as conn:
        conn.execute(text("INSERT INTO staff (id, name, role, pin_hash, active) VALUES "
                          "(4, 'Élise Vidal', 'staff', '', 1), (5, 'Ancien Agent', 'staff', '', 0)"))
    open_who(qtbot, kiosk)
    assert kiosk.who.title.text() == "Qui êtes-vous ?"
    assert [b.text() for b in kiosk.who.buttons.values()] == ["Admin", "Élise Vidal", "M. Gestionnaire", "Mme Agent"]
    assert kiosk.who.cancel.text() == "Annuler"
    click(qtbot, kiosk.who.cancel)
    assert kiosk.flow.screen is Screen.IDLE


def test_another_members_pin_typed_after_choosing_a_name_is_refused(qtbot, kiosk):
    open_who(qtbot, kiosk)
    choose(qtbot, kiosk, "Mme Agent")
    type_pin(qtbot, kiosk, MANAGER_PIN)   # a right PIN, of someone else
    qtbot.waitUntil(lambda: kiosk.pin.message.text() == "Code incorrect", timeout=5000)
    assert kiosk.flow.screen is Screen.PIN and kiosk.flow.staff is None
    type_pin(qtbot, kiosk, STAFF_PIN)
    qtbot.waitUntil(lambda: kiosk.flow.screen is Screen.STAFF, timeout=5000)
    assert kiosk.menu.title.text() == "Mode personnel — Mme Agent"
    assert not kiosk.menu.buttons["manager"].isVisibleTo(kiosk.menu)


def test_back_returns_to_the_names_and_wrong_pins_share_one_lockout(qtbot, kiosk):
    """Changing the name does not reset the count: the lockout is the replica's, for the pad."""
    kiosk.actions.pin_policy = LockoutPolicy(failures=3, steps=(60,))
    open_who(qtbot, kiosk)
    choose(qtbot, kiosk, "Mme Agent")
    assert kiosk.pin.cancel.text() == "Retour"
    for pin in ("0000", "1111"):
        kiosk.pin.set_message("")
        type_pin(qtbot, kiosk, pin)
        qtbot.waitUntil(lambda: kiosk.pin.message.text() == "Code incorrect", timeout=5000)
    click(qtbot, kiosk.pin.cancel)
    assert kiosk.flow.screen is Screen.WHO and kiosk.stack.currentWidget() is kiosk.who
    qtbot.waitUntil(lambda: bool(kiosk.who.buttons), timeout=5000)
    choose(qtbot, kiosk, "M. Gestionnaire")
    type_pin(qtbot, kiosk, "2222")
    qtbot.waitUntil(lambda: kiosk.pin.message.text().startswith("Trop d'essais"), timeout=5000)
    type_pin(qtbot, kiosk, MANAGER_PIN)   # locked: not even checked
    qtbot.wait(300)
    assert kiosk.flow.screen is Screen.PIN and kiosk.flow.staff is None


def test_two_members_sharing_a_pin_each_get_in_as_themselves(qtbot, kiosk, replica):
    with replica.begin() as conn:
        conn.execute(text("UPDATE staff SET pin_hash = (SELECT pin_hash FROM staff WHERE id = 1) WHERE id = 2"))
    open_who(qtbot, kiosk)
    choose(qtbot, kiosk, "M. Gestionnaire")
    type_pin(qtbot, kiosk, STAFF_PIN)
    qtbot.waitUntil(lambda: kiosk.flow.screen is Screen.STAFF, timeout=5000)
    assert kiosk.flow.staff.name == "M. Gestionnaire" and kiosk.menu.buttons["manager"].isVisibleTo(kiosk.menu)


def test_many_staff_scroll_on_a_small_panel_and_the_last_one_can_log_in(qtbot, make_kiosk, replica):
    kiosk = make_kiosk(size=(800, 480))
    rows = [{"id": 100 + n, "name": f"Zélie Agent {n:02d}", "pin": hash_pin("4321" if n == 29 else "0000", fast=True)}
            for n in range(30)]
    with replica.begin() as conn:
        conn.execute(text("INSERT INTO staff (id, name, role, pin_hash, active) VALUES (:id, :name, 'staff', :pin, 1)"),
                     rows)
    open_who(qtbot, kiosk)
    assert len(kiosk.who.buttons) == 33
    qtbot.waitUntil(lambda: kiosk.who.scroll.verticalScrollBar().maximum() > 0, timeout=2000)  # it scrolls
    assert kiosk.who.minimumSizeHint().height() <= 480
    last = kiosk.who.buttons[129]
    assert list(kiosk.who.buttons)[-1] == 129                           # "Zélie" after "Mme", not after Z
    kiosk.who.scroll.ensureWidgetVisible(last)
    qtbot.waitUntil(lambda: kiosk.who.scroll.verticalScrollBar().value() > 0, timeout=2000)
    assert last.height() >= 40                                         # a finger-sized target at 800×480
    qtbot.mouseClick(last, Qt.MouseButton.LeftButton)
    assert kiosk.flow.pin_for.id == 129
    type_pin(qtbot, kiosk, "4321")
    qtbot.waitUntil(lambda: kiosk.flow.screen is Screen.STAFF, timeout=5000)
    assert kiosk.flow.staff.name == "Zélie Agent 29"
