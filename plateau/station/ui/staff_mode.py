"""The kiosk window's staff mode: "who are you?", PIN, staff menu, override, forgotten badge, lost card, cancel,
"sync now", exports, and the answers to each.

`StaffMode` is mixed into `KioskWindow` (GUI thread): it uses the window's flow, screens, actions
and workers. Each staff action is a `KioskOp` whose own callbacks show its answer, or say on its
page why it was refused.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Callable

from PySide6.QtWidgets import QApplication

from plateau.station.flow import PinResult, Screen, connectivity
from plateau.station.services import Recorded
from plateau.station.ui.i18n import tr
from plateau.station.ui.texts import connectivity_text, heartbeat_text, reader_text
from plateau.station.ui.worker import Failure

log = logging.getLogger(__name__)


class StaffMode:
    """The staff-mode half of `KioskWindow` (see the module's docstring)."""

    def _back_to_menu(self) -> None:
        self._act(lambda: self.flow.open(Screen.STAFF, self._now()))

    def _list_staff(self) -> None:
        """The corner's "who are you?": read the active staff on the stats worker, then offer them."""
        def show(members) -> None:
            if self.flow.screen is not Screen.WHO:
                return   # left meanwhile (a badge, a timeout): nothing to offer
            self.flow.staff_listed(members)
            self.who.show_staff(members)
            now = self._now()
            if not self.flow.pin_allowed(now):
                self.who.set_message(tr("Too many wrong PINs: wait {seconds} s",
                                        seconds=int(self.flow.lock_remaining(now)) + 1))
        self._op(self.actions.active_staff, worker=self.stats).success(show) \
            .failure(self._staff_failed(self.who)).run()

    def _staff_chosen(self, member_id: int) -> None:
        self._act(lambda: self.flow.choose_staff(member_id, self._now()))

    def _pin_entered(self, pin: str) -> None:
        now = self._now()
        if not self.flow.pin_allowed(now):
            self.pin.set_message(tr("Too many wrong PINs: wait {seconds} s", seconds=int(self.flow.lock_remaining(now)) + 1))
            return
        member = self.flow.pin_for
        if member is None:   # the pad always names whose PIN it awaits (flow.request_staff)
            return
        self.pin.set_message(tr("Checking…"))
        # checked against that one person's PIN: a guess never tries every staff member's
        self._op(lambda: self.actions.check_pin(pin, member.id)).success(self._pin_checked) \
            .failure(self._staff_failed(self.pin)).run()

    def _menu_chosen(self, key: str) -> None:
        now = self._now()
        self.staff_message = ""
        pages = {"override": Screen.OVERRIDE, "forgotten": Screen.FORGOTTEN, "passages": Screen.PASSAGES,
                 "manager": Screen.MANAGER, "parked": Screen.PARKED}
        if key in pages:
            if key == "passages":
                self.passages.forget_choice()  # a new visit: nothing chosen yet
            self._act(lambda: self.flow.open(pages[key], now))
            if self.flow.screen is Screen.MANAGER:
                self.refresh_expected()
        elif key == "sync":
            self._op(self.actions.request_sync).success(self._sync_requested).failure(self._staff_failed(None)).run()
        elif key == "close":
            self._act(self.flow.leave_staff)
        elif key == "fullscreen" and self.flow.can_quit():
            self.showNormal()
        elif key == "quit" and self.flow.can_quit():
            log.info("kiosk quit by staff id=%s", self.flow.staff.id)
            self.close()
            QApplication.instance().quit()

    def _override(self, motive: str) -> None:
        refusal, staff, at, services = self.flow.last_refusal, self.flow.staff, self.clock(), self.actions.recorder
        if refusal and staff:
            self._op(lambda: services.override(refusal.passage_id, staff.id, motive, at)) \
                .success(self._overridden).failure(self._staff_failed(self.override)).run()

    def _search(self, query: str, then: Callable[[], None] | None = None) -> None:
        self.flow.touch(self._now())

        def found(persons) -> None:
            self.forgotten.show_found(persons)
            if then is not None:
                then()
        self._op(lambda: self.actions.search(query), worker=self.stats).success(found).run()

    def _forgotten(self, person_id: int) -> None:
        staff, at, services = self.flow.staff, self.clock(), self.actions.recorder
        if staff:
            self._op(lambda: services.forgotten(person_id, at, staff.id)) \
                .success(self._show_recorded).failure(self._staff_failed(self.forgotten)).run()

    def _lost(self, person_id: int, uid: str) -> None:
        staff, at, services = self.flow.staff, self.clock(), self.actions.recorder
        if staff:
            self._op(lambda: services.declare_lost(uid, staff.id, at)) \
                .success(lambda _event: self._declared_lost(uid)).failure(self._staff_failed(self.forgotten)).run()

    def _cancel(self, passage_id: str) -> None:
        staff, at, services, motive = self.flow.staff, self.clock(), self.actions.recorder, tr("Passage by mistake")
        if staff:
            self._op(lambda: services.cancel(passage_id, staff.id, motive, at)) \
                .success(self._cancelled).failure(self._staff_failed(self.passages)).run()

    def _export(self, fmt: str) -> None:
        from plateau.station.ui.exports import export_day

        self.flow.touch(self._now())
        try:
            path = export_day(self.manager.headcount, fmt, self.reports_dir or ".", self.lang)
        except ImportError:
            self.manager.message.setText(tr("Reports are not available on this station"))
            return
        except Exception as exc:
            log.exception("export failed")
            self.manager.message.setText(tr("Could not do that: {error}", error=exc))
            return
        self.manager.message.setText(tr("Saved: {path}", path=path))

    def _overridden(self, recorded: Recorded) -> None:
        self.flow.last_refusal = None
        self._show_recorded(recorded)

    def _cancelled(self, _recorded: Recorded) -> None:
        self.staff_message = tr("Passage cancelled")
        self._show_lines(self.staff_message)
        self.flow.touch(self._now())

    def _declared_lost(self, uid: str) -> None:
        found = self.forgotten.selected()
        self.staff_message = tr("Card of {name} declared lost", name=found.display_name if found else uid)
        self._search(self.forgotten.field.text(), then=lambda: self.forgotten.message.setText(self.staff_message))

    def _retry_parked(self) -> None:
        self.flow.touch(self._now())
        self._op(self.actions.retry_parked).success(self._parked_sent).failure(self._staff_failed(self.parked)).run()

    def _parked_sent(self, n: int) -> None:
        self.staff_message = tr("Sent again: {n}", n=n)
        self.refresh_status()
        self._show_parked(self.staff_message)

    def _pin_checked(self, check) -> None:
        """`check`: the replica's answer (`plateau.db.kiosk.PinCheck`: the member or None, and how
        long the pad is locked)."""
        now = self._now()
        outcome = self.flow.pin_checked(check.member, now, check.locked_for)
        if outcome is PinResult.WRONG:
            self.pin.set_message(tr("Wrong PIN"))
        elif outcome is PinResult.LOCKED:
            self.pin.set_message(tr("Too many wrong PINs: wait {seconds} s",
                                    seconds=int(self.flow.lock_remaining(now)) + 1))
        self.render()

    def _sync_requested(self, _none: None) -> None:
        self.staff_message = tr("Sync requested")
        self.render()

    def _staff_failed(self, page) -> Callable[[Failure], None]:
        """A staff action was refused: say why on its page (a bug still shows the calm screen)."""
        def failed(failure: Failure) -> None:
            if not failure.for_a_person:
                self._ask_staff(failure)
                return
            self.staff_message = tr("Could not do that: {error}", error=failure.message)
            if page is not None:
                page.message.setText(self.staff_message)
            else:
                self.render()
        return failed

    def _show_lines(self, message: str | None = None) -> None:
        """Read the last passages on the worker, then show them (with `message`, if any), keeping
        the passage staff chose (by its id, not its row: the list may have moved meanwhile)."""
        since = self._local().date() - timedelta(days=4)  # back to last Friday on a Monday

        def show(lines) -> None:
            self.passages.show_lines(lines, self.site.timezone, self.lang, message or "", keep_choice=True)
        self._op(lambda: self.actions.last_passages(since), worker=self.stats) \
            .success(show).failure(self._staff_failed(self.passages)).run()

    def _fill_menu(self) -> None:
        staff = self.flow.staff
        refusal = None
        if self.flow.last_refusal is not None:
            d = self.flow.last_refusal.decision
            refusal = (d.person.display_name, d.message(self.lang))
        conn_state = connectivity(self.status, self.wall_clock(), self.sync_stale)
        status = " — ".join((connectivity_text(conn_state), heartbeat_text(conn_state),
                             reader_text(self.reader_state, self.reader_detail)))
        self.menu.refresh(staff.name, refusal, staff.can_manage, staff.can_quit, status, self.staff_message,
                          self.status.parked if self.status else 0)
