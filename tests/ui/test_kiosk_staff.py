"""Staff mode driven through the real widgets: "who are you?", PIN pad and lockout, override,
forgotten badge, cancellation, card declared lost, force sync, roles."""

from __future__ import annotations

from datetime import timedelta

from PySide6.QtCore import Qt
from sqlalchemy import text

from plateau.domain.reasons import Reason
from plateau.station.flow import Screen
from tests.ui.kiosk_support import settle
from tests.ui.test_kiosk_results import FORFAIT_4_DAYS, OTHER_FORFAIT, TICKET_EMPTY, badge

STAFF_PIN, MANAGER_PIN, ADMIN_PIN = "1234", "2468", "9999"
# the demo school's staff (plateau/demo/school.py), by PIN: the corner's pad asks who first
STAFF_NAME = {STAFF_PIN: "Mme Agent", MANAGER_PIN: "M. Gestionnaire", ADMIN_PIN: "Admin"}
STAFF_ID = {"Mme Agent": 1, "M. Gestionnaire": 2, "Admin": 3}


def open_who(qtbot, kiosk):
    """Hold the corner (~1.5 s): "who are you?", with the active staff's names once read."""
    corner = kiosk.idle.corner
    qtbot.mousePress(corner, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: kiosk.flow.screen is Screen.WHO, timeout=4000)
    qtbot.mouseRelease(corner, Qt.MouseButton.LeftButton)
    assert kiosk.stack.currentWidget() is kiosk.who
    qtbot.waitUntil(lambda: bool(kiosk.who.buttons), timeout=5000)


def choose(qtbot, kiosk, name: str):
    """Tap a name on "who": the PIN pad for that person."""
    qtbot.mouseClick(kiosk.who.buttons[STAFF_ID[name]], Qt.MouseButton.LeftButton)
    assert kiosk.flow.screen is Screen.PIN and kiosk.stack.currentWidget() is kiosk.pin
    assert kiosk.pin.title.text() == f"Code de {name}" or kiosk.pin.title.text() == f"PIN for {name}"


def open_pin_pad(qtbot, kiosk, name: str = "Mme Agent"):
    open_who(qtbot, kiosk)
    choose(qtbot, kiosk, name)


def type_pin(qtbot, kiosk, pin: str):
    for digit in list(pin) + ["OK"]:
        qtbot.mouseClick(kiosk.pin.keys[digit], Qt.MouseButton.LeftButton)


def login(qtbot, kiosk, pin=STAFF_PIN):
    open_pin_pad(qtbot, kiosk, STAFF_NAME[pin])
    type_pin(qtbot, kiosk, pin)
    qtbot.waitUntil(lambda: kiosk.flow.screen is Screen.STAFF, timeout=5000)
    assert kiosk.stack.currentWidget() is kiosk.menu


def click(qtbot, widget):
    assert widget.isEnabled() and widget.isVisibleTo(widget.window()), widget.text()
    qtbot.mouseClick(widget, Qt.MouseButton.LeftButton)


def test_a_wrong_pin_is_refused_and_repeated_ones_lock_the_pad(qtbot, kiosk, clock):
    from plateau.domain.pins import LockoutPolicy

    kiosk.actions.pin_policy = LockoutPolicy(failures=3, steps=(1.5, 60))  # short, for the test
    open_pin_pad(qtbot, kiosk)
    assert kiosk.pin.title.text() == "Code de Mme Agent"
    type_pin(qtbot, kiosk, "0000")
    qtbot.waitUntil(lambda: kiosk.pin.message.text() == "Code incorrect", timeout=5000)
    assert kiosk.pin.dots.text() == "\u2013"  # the typed digits are gone, never shown
    kiosk.pin.set_message("")
    type_pin(qtbot, kiosk, "1111")
    qtbot.waitUntil(lambda: kiosk.pin.message.text() == "Code incorrect", timeout=5000)
    type_pin(qtbot, kiosk, "2222")
    qtbot.waitUntil(lambda: kiosk.pin.message.text().startswith("Trop d'essais"), timeout=5000)
    type_pin(qtbot, kiosk, STAFF_PIN)  # the right PIN during the lockout is not even checked
    assert kiosk.flow.screen is Screen.PIN and kiosk.flow.staff is None
    qtbot.wait(1600)
    clock.at += timedelta(seconds=1.6)  # the lock is kept in the replica, in real (here: the test's) time
    type_pin(qtbot, kiosk, STAFF_PIN)
    qtbot.waitUntil(lambda: kiosk.flow.screen is Screen.STAFF, timeout=5000)
    assert kiosk.menu.title.text() == "Mode personnel — Mme Agent"


def test_a_lockout_survives_a_restart_of_the_kiosk(qtbot, make_kiosk):
    """Five wrong PINs lock the pad for a minute; a kiosk restarted on the same replica (as after
    a crash or a pulled plug) is still locked, and the right PIN is not even checked."""
    kiosk = make_kiosk()
    open_pin_pad(qtbot, kiosk)
    for n, pin in enumerate(("0000", "1111", "2222", "3333", "4444")):
        kiosk.pin.set_message("")
        type_pin(qtbot, kiosk, pin)
        qtbot.waitUntil(lambda: kiosk.pin.message.text() != "" and kiosk.pin.message.text() != "Vérification…",
                        timeout=5000)
    assert kiosk.pin.message.text().startswith("Trop d'essais")
    kiosk.shutdown()
    kiosk.close()
    again = make_kiosk()
    assert not again.flow.pin_allowed(again._now()) and again.flow.lock_remaining(again._now()) > 50
    open_pin_pad(qtbot, again)
    type_pin(qtbot, again, STAFF_PIN)
    qtbot.wait(300)
    assert again.flow.screen is Screen.PIN and again.flow.staff is None
    assert again.pin.message.text().startswith("Trop d'essais")


def test_staff_role_sees_no_manager_view_nor_quit(qtbot, kiosk):
    login(qtbot, kiosk)
    assert not kiosk.menu.buttons["manager"].isVisibleTo(kiosk.menu)
    assert not kiosk.menu.buttons["quit"].isVisibleTo(kiosk.menu)
    assert not kiosk.menu.buttons["override"].isEnabled()  # no refusal yet


def test_override_the_last_refusal_with_a_motive(qtbot, kiosk, replica, demo_school):
    refused = badge(qtbot, kiosk, demo_school.cards[TICKET_EMPTY])
    assert refused.reason is Reason.INSUFFICIENT_BALANCE
    refusal_id = kiosk.flow.outcome.passage_id
    login(qtbot, kiosk)
    button = kiosk.menu.buttons["override"]
    assert button.text() == "Passer outre le dernier refus"
    assert kiosk.menu.refusal.text().startswith("Dernier refus : ") and "Solde insuffisant" in kiosk.menu.refusal.text()
    click(qtbot, button)
    assert kiosk.flow.screen is Screen.OVERRIDE
    click(qtbot, kiosk.override.motive_buttons[0])
    qtbot.waitUntil(lambda: kiosk.flow.screen is Screen.RESULT, timeout=5000)
    assert kiosk.result.root.objectName() == "accepted"
    with replica.connect() as conn:
        row = conn.execute(text("SELECT kind, accepted, staff_id, motive, price_cents FROM passage WHERE ref = :r"),
                           {"r": refusal_id}).one()
    assert (row.kind, row.accepted, row.staff_id, row.motive) == ("override", 1, 1, "Autorisé par la vie scolaire")
    assert row.price_cents == 420  # a ticket meal stays paid
    assert kiosk.flow.last_refusal is None


def test_staff_see_the_motive_of_an_opposition_the_queue_did_not(qtbot, kiosk, demo_school):
    pupil = demo_school.absent_today[0]
    badge(qtbot, kiosk, demo_school.cards[pupil])
    assert "Absent (vie scolaire)" not in kiosk.result.headline.text()
    login(qtbot, kiosk)
    assert "Accès suspendu : Absent (vie scolaire)" in kiosk.menu.refusal.text()
    click(qtbot, kiosk.menu.buttons["override"])
    assert "Absent (vie scolaire)" in kiosk.override.who.text()


def test_forgotten_badge_search_by_name_on_the_screen_keyboard_then_record(qtbot, kiosk, replica, demo_school):
    person = demo_school.persons[FORFAIT_4_DAYS]
    login(qtbot, kiosk)
    click(qtbot, kiosk.menu.buttons["forgotten"])
    assert kiosk.flow.screen is Screen.FORGOTTEN
    keys = {b.text(): b for b in kiosk.forgotten.keyboard.findChildren(type(kiosk.menu.buttons["close"]))}
    for ch in person["last_name"][:4]:
        click(qtbot, keys[ch])
    assert kiosk.forgotten.field.text() == person["last_name"][:4]
    settle(qtbot, kiosk)
    names = [kiosk.forgotten.results.item(i).text() for i in range(kiosk.forgotten.results.count())]
    wanted = next(i for i, f in enumerate(kiosk.forgotten.found) if f.id == FORFAIT_4_DAYS)
    assert person["first_name"] in names[wanted]
    kiosk.forgotten.results.setCurrentRow(wanted)
    click(qtbot, kiosk.forgotten.record_button)
    qtbot.waitUntil(lambda: kiosk.flow.screen is Screen.RESULT, timeout=5000)
    assert kiosk.result.headline.text() == f"Bon appétit, {person['first_name']} !"
    with replica.connect() as conn:
        row = conn.execute(text("SELECT kind, staff_id, card_uid FROM passage WHERE person_id = :p"),
                           {"p": FORFAIT_4_DAYS}).one()
    assert (row.kind, row.staff_id, row.card_uid) == ("forgotten", 1, None)
    kiosk.flow.tick(kiosk.flow.outcome.shown_at + 31)  # result over: back to the staff screen
    assert kiosk.flow.screen is Screen.FORGOTTEN


def test_forgotten_badge_search_by_class(qtbot, kiosk, demo_school):
    login(qtbot, kiosk)
    click(qtbot, kiosk.menu.buttons["forgotten"])
    kiosk.forgotten.field.setText("6ea")
    settle(qtbot, kiosk)
    assert kiosk.forgotten.found and {f.class_name for f in kiosk.forgotten.found} == {"6eA"}


def test_forgotten_badge_by_first_name_alone_and_no_result_says_so(qtbot, kiosk, demo_school):
    login(qtbot, kiosk)
    click(qtbot, kiosk.menu.buttons["forgotten"])
    kiosk.forgotten.field.setText(demo_school.persons[FORFAIT_4_DAYS]["first_name"].lower())
    settle(qtbot, kiosk)
    assert FORFAIT_4_DAYS in {f.id for f in kiosk.forgotten.found}
    assert kiosk.forgotten.message.text() == ""
    kiosk.forgotten.field.setText("zzzz")
    settle(qtbot, kiosk)
    assert kiosk.forgotten.found == [] and kiosk.forgotten.message.text() == "Aucun résultat"


def test_forgotten_badge_no_result_in_english(qtbot, make_kiosk):
    kiosk = make_kiosk("en")
    login(qtbot, kiosk)
    click(qtbot, kiosk.menu.buttons["forgotten"])
    kiosk.forgotten.field.setText("zzzz")
    settle(qtbot, kiosk)
    assert kiosk.forgotten.message.text() == "No results"


def test_cancel_a_passage_made_by_mistake(qtbot, kiosk, replica, demo_school):
    assert badge(qtbot, kiosk, demo_school.cards[FORFAIT_4_DAYS]).accepted
    accepted_id = kiosk.flow.outcome.passage_id
    login(qtbot, kiosk)
    click(qtbot, kiosk.menu.buttons["passages"])
    settle(qtbot, kiosk)
    table = kiosk.passages.table
    assert table.rowCount() == 1 and table.item(0, 4).text() == "accepté"
    table.selectRow(0)
    click(qtbot, kiosk.passages.cancel_button)
    click(qtbot, kiosk.passages.yes_button)
    qtbot.waitUntil(lambda: kiosk.passages.message.text() == "Passage annulé", timeout=5000)
    assert [table.item(r, 4).text() for r in range(table.rowCount())] == ["annulation", "annulé"]
    with replica.connect() as conn:
        kinds = conn.execute(text("SELECT kind, ref FROM passage ORDER BY at, rowid")).all()
    assert [tuple(k) for k in kinds] == [("badge", None), ("cancel", accepted_id)]
    # cancelled: the pupil may now badge again
    kiosk.flow.leave_staff()
    assert badge(qtbot, kiosk, demo_school.cards[FORFAIT_4_DAYS]).accepted


def test_cancel_targets_the_chosen_passage_when_a_new_one_arrives(qtbot, kiosk, replica, demo_school, clock):
    """A pupil chosen in the list, then another pupil badges (the list reloads, rows shift):
    the cancel asks about the chosen pupil, by name and time, and cancels that passage only."""
    chosen, newcomer = FORFAIT_4_DAYS, OTHER_FORFAIT
    start = clock.at
    assert badge(qtbot, kiosk, demo_school.cards[chosen]).accepted
    chosen_id = kiosk.flow.outcome.passage_id
    login(qtbot, kiosk)
    click(qtbot, kiosk.menu.buttons["passages"])
    settle(qtbot, kiosk)
    table = kiosk.passages.table
    table.selectRow(0)
    assert chosen_person_name(demo_school, chosen) in table.item(0, 2).text()
    clock.at = start + timedelta(minutes=1)
    assert badge(qtbot, kiosk, demo_school.cards[newcomer]).accepted  # while the list is open
    newcomer_id = kiosk.flow.outcome.passage_id
    kiosk.flow.tick(kiosk.flow.outcome.shown_at + 31)  # the answer is over: back to the list
    kiosk.render()
    settle(qtbot, kiosk)
    assert kiosk.stack.currentWidget() is kiosk.passages and table.rowCount() == 2
    assert chosen_person_name(demo_school, newcomer) in table.item(0, 2).text()  # the new one on top
    selected = [i.row() for i in table.selectionModel().selectedRows()]
    assert selected == [1]  # the highlight followed the chosen passage
    click(qtbot, kiosk.passages.cancel_button)
    question = kiosk.passages.question.text()
    assert chosen_person_name(demo_school, chosen) in question and "12:00:00" in question, question
    assert chosen_person_name(demo_school, newcomer) not in question
    assert question.startswith("Annuler le passage de ")
    assert kiosk.passages.confirm.isVisibleTo(kiosk.passages)
    click(qtbot, kiosk.passages.yes_button)
    qtbot.waitUntil(lambda: kiosk.passages.message.text() == "Passage annulé", timeout=5000)
    with replica.connect() as conn:
        cancels = conn.execute(text("SELECT ref FROM passage WHERE kind = 'cancel'")).scalars().all()
    assert cancels == [chosen_id] and newcomer_id not in cancels


def test_cancel_asks_first_and_no_keeps_the_passage(qtbot, kiosk, replica, demo_school):
    assert badge(qtbot, kiosk, demo_school.cards[FORFAIT_4_DAYS]).accepted
    login(qtbot, kiosk)
    click(qtbot, kiosk.menu.buttons["passages"])
    settle(qtbot, kiosk)
    kiosk.passages.table.selectRow(0)
    click(qtbot, kiosk.passages.cancel_button)
    click(qtbot, kiosk.passages.no_button)
    assert not kiosk.passages.confirm.isVisibleTo(kiosk.passages)
    assert kiosk.passages.cancel_button.isVisibleTo(kiosk.passages)
    qtbot.wait(200)
    with replica.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM passage WHERE kind = 'cancel'")).scalar() == 0


def chosen_person_name(demo_school, person_id: int) -> str:
    return demo_school.persons[person_id]["last_name"]


def test_declare_a_card_lost_blocks_it_at_once_and_queues_it(qtbot, kiosk, replica, demo_school):
    uid = demo_school.cards[FORFAIT_4_DAYS]
    login(qtbot, kiosk)
    click(qtbot, kiosk.menu.buttons["forgotten"])
    kiosk.forgotten.field.setText(demo_school.persons[FORFAIT_4_DAYS]["last_name"])
    settle(qtbot, kiosk)
    kiosk.forgotten.results.setCurrentRow(next(i for i, f in enumerate(kiosk.forgotten.found)
                                               if f.id == FORFAIT_4_DAYS))
    click(qtbot, kiosk.forgotten.lost_button)
    qtbot.waitUntil(lambda: kiosk.forgotten.message.text().startswith("Carte de "), timeout=5000)
    with replica.connect() as conn:
        assert conn.execute(text("SELECT status FROM card WHERE uid = :u"), {"u": uid}).scalar() == "lost"
        event = conn.execute(text("SELECT uid, person_id, status, staff_id, sent FROM card_event")).one()
    assert tuple(event) == (uid, FORFAIT_4_DAYS, "lost", 1, 0)
    kiosk.flow.leave_staff()
    assert badge(qtbot, kiosk, uid).reason is Reason.CARD_BLOCKED


def test_force_a_sync_writes_the_flag_the_daemon_watches(qtbot, kiosk, replica):
    login(qtbot, kiosk)
    click(qtbot, kiosk.menu.buttons["sync"])
    qtbot.waitUntil(lambda: kiosk.menu.message.text() == "Synchronisation demandée", timeout=5000)
    with replica.connect() as conn:
        assert conn.execute(text("SELECT value FROM sync_state WHERE key = 'force_sync'")).scalar()


def test_manager_view_shows_the_days_headcounts(qtbot, kiosk, demo_school, tmp_path):
    badge(qtbot, kiosk, demo_school.cards[FORFAIT_4_DAYS])
    badge(qtbot, kiosk, demo_school.cards[TICKET_EMPTY])
    login(qtbot, kiosk, MANAGER_PIN)
    click(qtbot, kiosk.menu.buttons["manager"])
    qtbot.waitUntil(lambda: kiosk.manager.headcount is not None and kiosk.manager.services.rowCount() == 1,
                    timeout=8000)
    services = kiosk.manager.services
    assert services.item(0, 0).text() == "Déjeuner"
    assert services.item(0, 2).text() == "1" and services.item(0, 4).text() == "1"
    assert int(services.item(0, 1).text()) > 300  # forfaits of a Monday and reservations
    reasons = [kiosk.manager.reasons.item(r, 0).text() for r in range(kiosk.manager.reasons.rowCount())]
    assert reasons == ["Solde insuffisant"]
    assert kiosk.manager.chart.series() and kiosk.manager.chart.series()[0].count() == 2


def test_admin_can_leave_full_screen(qtbot, kiosk):
    login(qtbot, kiosk, ADMIN_PIN)
    assert kiosk.menu.buttons["quit"].isVisibleTo(kiosk.menu)
    assert kiosk.menu.buttons["fullscreen"].isVisibleTo(kiosk.menu)


def test_staff_mode_closes_after_inactivity(qtbot, kiosk):
    kiosk.flow.staff_timeout_seconds = 0.5
    login(qtbot, kiosk)
    qtbot.waitUntil(lambda: kiosk.flow.screen is Screen.IDLE, timeout=3000)
    assert kiosk.flow.staff is None and kiosk.stack.currentWidget() is kiosk.idle


def test_touching_the_screen_keeps_staff_mode_open(qtbot, kiosk):
    kiosk.flow.staff_timeout_seconds = 1.0
    login(qtbot, kiosk)
    click(qtbot, kiosk.menu.buttons["passages"])
    for _ in range(4):  # 2 s of reading the list, touching it now and then
        qtbot.wait(500)
        qtbot.mouseClick(kiosk.passages.table.viewport(), Qt.MouseButton.LeftButton)
    assert kiosk.flow.screen is Screen.PASSAGES and kiosk.flow.staff is not None
    qtbot.waitUntil(lambda: kiosk.flow.screen is Screen.IDLE, timeout=3000)


def test_manager_exports_the_daily_report_as_pdf_and_csv(qtbot, kiosk, demo_school, tmp_path):
    badge(qtbot, kiosk, demo_school.cards[FORFAIT_4_DAYS])
    login(qtbot, kiosk, MANAGER_PIN)
    click(qtbot, kiosk.menu.buttons["manager"])
    qtbot.waitUntil(lambda: kiosk.manager.headcount is not None, timeout=8000)
    click(qtbot, kiosk.manager.pdf)
    pdf = tmp_path / "reports" / "effectifs-0691234X-2026-11-23.pdf"
    assert kiosk.manager.message.text() == f"Enregistré : {pdf}"
    assert pdf.read_bytes().startswith(b"%PDF")
    click(qtbot, kiosk.manager.csv)
    csv = pdf.with_suffix(".csv")
    assert csv.read_text(encoding="utf-8-sig").splitlines()[0].startswith("date")


def test_a_staff_badge_opens_the_pin_pad_for_that_person(qtbot, kiosk, replica):
    with replica.begin() as conn:
        conn.execute(text("UPDATE staff SET badge_uid = 'CAFE0002' WHERE id = 2"))
    kiosk.reader.feed("CAFE0002")
    qtbot.waitUntil(lambda: kiosk.flow.screen is Screen.PIN, timeout=3000)
    assert kiosk.pin.title.text() == "Code de M. Gestionnaire"
    type_pin(qtbot, kiosk, STAFF_PIN)  # another person's PIN does not open this badge's session
    qtbot.waitUntil(lambda: kiosk.pin.message.text() == "Code incorrect", timeout=5000)
    type_pin(qtbot, kiosk, MANAGER_PIN)
    qtbot.waitUntil(lambda: kiosk.flow.screen is Screen.STAFF, timeout=5000)
    assert kiosk.menu.buttons["manager"].isVisibleTo(kiosk.menu)
    with replica.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM passage")).scalar() == 0  # a staff badge is no meal
