"""The kiosk window: shows the flow's screen, feeds it events, submits operations to the workers.

Threads: the window and its screens live on the GUI thread and never read the database. The
services (decisions, durable writes), the staff badge and PIN checks run on the "kiosk-db" worker;
the screens' reads and the headcounts on "kiosk-stats", so that no read ever delays a badge (see
`worker.py`). Each is a `KioskOp` with its own success and failure callbacks, which run back on
the GUI thread. A badge reader calls back on its own
thread and reaches the window through `ReaderBridge`'s queued signals. The window is built by
the kiosk's composition root, `app.build_window`.
"""

from __future__ import annotations

import logging
import time
import traceback
from datetime import datetime
from typing import Callable

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QMainWindow, QStackedWidget

from plateau.config import StationSettings
from plateau.devices.base import ReaderState
from plateau.domain.services import local_time
from plateau.domain.staff import StaffMember
from plateau.station.flow import (FlowError, KioskFlow, ReadAction, Screen, connectivity, stale_after_for,
                                  service_line)
from plateau.station.services import Recorded
from plateau.station.ui import i18n, theme
from plateau.station.ui.actions import KioskActions, ScreenData
from plateau.station.ui.bridges import ActivityFilter, ReaderBridge
from plateau.station.ui.forgotten import ForgottenScreen
from plateau.station.ui.i18n import tr
from plateau.station.ui.pupil_screens import AskStaffScreen, IdleScreen, IdleTexts, ResultScreen
from plateau.station.ui.staff_chooser import WhoScreen
from plateau.station.ui.staff_mode import StaffMode
from plateau.station.ui.staff_screens import OverrideScreen, ParkedScreen, PassagesScreen, PinScreen, StaffMenu
from plateau.station.ui.texts import (clock_text, connectivity_text, counts_text, idle_prompt, reader_text,
                                      service_text)
from plateau.station.ui.worker import DbWorker, Failure, KioskOp

log = logging.getLogger(__name__)


class KioskWindow(StaffMode, QMainWindow):
    """The station's one window. GUI thread. `actions` run on the `db` and `stats` workers (started
    here, stopped by `shutdown`); `clock` gives aware instants (tests pass a fake); `wall_clock`
    (default: `clock`) dates the sync status, which the daemon writes in real time even when a
    demo shifts the kiosk's clock (`[station] clock_start`)."""

    def __init__(self, settings: StationSettings, actions: KioskActions, *, db: DbWorker, stats: DbWorker,
                 clock: Callable[[], datetime], lang: str | None = None, reports_dir: str | None = None,
                 wall_clock: Callable[[], datetime] | None = None):
        super().__init__()
        self.settings, self.actions, self.clock = settings, actions, clock
        self.wall_clock = wall_clock or clock
        self.lang = lang or settings.station.language
        i18n.install(self.lang)
        self.reports_dir = reports_dir
        self.flow = KioskFlow(result_seconds=settings.station.result_seconds,
                              staff_timeout_seconds=settings.station.staff_timeout_seconds)
        self.outcome_hooks: list[Callable] = []   # gate, sounds: called with each shown Decision
        self.reader_state, self.reader_detail = str(ReaderState.STARTING), ""
        self.expected: dict[str, int] = {}
        self.staff_message = ""
        self._headcount_pending = False
        self.site = None
        self.screen_data: ScreenData | None = None
        self._build_screens()
        # style for the smallest screen until the first resize: the window's minimum size is then
        # small enough for a 7" 800×480 panel (Qt's default metrics would ask for ~930 px)
        self.setStyleSheet(theme.stylesheet(800, 480))
        self.db, self.stats = db, stats
        for worker in (self.db, self.stats):
            worker.start()
        self.activity = ActivityFilter(lambda: self.flow.touch(self._now()), self)
        self._watching_activity = False  # installed only in staff mode: it sees every event of the app
        self.bridge = ReaderBridge()
        self.bridge.read.connect(self.badge_read)
        self.bridge.state.connect(self.set_reader_state)
        self._tick = QTimer(self, interval=200, timeout=self._on_tick)
        self._poll = QTimer(self, interval=2000, timeout=self.refresh_status)
        self._stats_timer = QTimer(self, interval=60_000, timeout=self.refresh_expected)
        # the replica may still hold the last run's reader state: the office sees "starting" now
        self._op(lambda: self.actions.reader_changed(str(ReaderState.STARTING)), worker=self.stats).run()
        # a lockout survives a restart of the kiosk: the replica says how long it still runs
        self._op(self.actions.pin_lock_remaining) \
            .success(lambda seconds: self.flow.restore_lock(seconds, self._now())).run()
        self.status = None
        self.sync_stale = stale_after_for(settings.station.sync_stale_seconds, settings.server.timeout_seconds,
                                          settings.server.heartbeat_seconds)
        self.refresh_status()
        self.render()
        # the first headcount waits until the idle screen is up: it competes for the GIL
        QTimer.singleShot(1000, self.refresh_expected)
        for t in (self._tick, self._poll, self._stats_timer):
            t.start()

    # -- construction ----------------------------------------------------------------------------
    def _build_screens(self) -> None:
        self.stack = QStackedWidget()
        self.setCentralWidget(self.stack)
        self.idle, self.result, self.ask = IdleScreen(), ResultScreen(), AskStaffScreen()
        self.who, self.pin, self.menu, self.override = WhoScreen(), PinScreen(), StaffMenu(), OverrideScreen()
        self.forgotten, self.passages, self.parked = ForgottenScreen(), PassagesScreen(), ParkedScreen()
        self._manager = None  # built on first use: QtCharts costs 0.2 s of start-up
        self.screens = {Screen.IDLE: self.idle, Screen.RESULT: self.result, Screen.ASK_STAFF: self.ask,
                        Screen.WHO: self.who, Screen.PIN: self.pin, Screen.STAFF: self.menu,
                        Screen.OVERRIDE: self.override,
                        Screen.FORGOTTEN: self.forgotten, Screen.PASSAGES: self.passages,
                        Screen.PARKED: self.parked}
        for w in self.screens.values():
            self.stack.addWidget(w)
        self.idle.corner.long_pressed.connect(self.request_staff)
        self.who.chosen.connect(self._staff_chosen)
        self.who.cancelled.connect(lambda: self._act(self.flow.cancel_pin))
        self.pin.pin_entered.connect(self._pin_entered)
        self.pin.cancelled.connect(lambda: self._act(self.flow.cancel_pin))
        self.menu.chosen.connect(self._menu_chosen)
        self.override.motive_chosen.connect(self._override)
        for screen in (self.override, self.forgotten, self.passages, self.parked):
            screen.back.connect(self._back_to_menu)
        self.parked.retry.connect(self._retry_parked)
        self.forgotten.query_changed.connect(self._search)
        self.forgotten.record.connect(self._forgotten)
        self.forgotten.lost.connect(self._lost)
        self.passages.cancel_requested.connect(self._cancel)

    @property
    def manager(self):
        """The manager view, built the first time a manager opens it."""
        if self._manager is None:
            from plateau.station.ui.manager import ManagerScreen

            self._manager = ManagerScreen()
            self._manager.back.connect(self._back_to_menu)
            self._manager.export.connect(self._export)
            self.screens[Screen.MANAGER] = self._manager
            self.stack.addWidget(self._manager)
        return self._manager

    def resizeEvent(self, event):  # noqa: N802 (Qt API)
        super().resizeEvent(event)
        self.setStyleSheet(theme.stylesheet(self.width(), self.height()))

    def _watch_activity(self, on: bool) -> None:
        if on != self._watching_activity:
            app = QApplication.instance()
            (app.installEventFilter if on else app.removeEventFilter)(self.activity)
            self._watching_activity = on

    def shutdown(self) -> None:
        self._watch_activity(False)
        for t in (self._tick, self._poll, self._stats_timer):
            t.stop()
        self.db.stop()
        self.stats.stop()
        try:  # the office should not see "ready" for a kiosk that is gone (one short write at exit)
            self.actions.reader_changed(str(ReaderState.STOPPED))
        except Exception:
            log.warning("cannot record the reader as stopped", exc_info=True)
        self.actions.close()

    # -- time ------------------------------------------------------------------------------------
    @staticmethod
    def _now() -> float:
        return time.monotonic()

    def _local(self) -> datetime:
        return local_time(self.clock(), self.site.timezone if self.site else "Europe/Paris")

    def _op(self, fn: Callable[[], object], *, worker: DbWorker | None = None) -> KioskOp:
        return KioskOp(worker or self.db, fn)

    # -- events ----------------------------------------------------------------------------------
    def badge_read(self, uid: str) -> None:
        """A badge was read (GUI thread): a staff badge asks for a PIN, any other is recorded."""
        log.debug("read uid=%s", uid)
        at = self.clock()  # the screen changes when the answer is back
        self._op(lambda: self.actions.badge(uid, at)).success(self._badge_answered).failure(self._ask_staff).run()

    def _badge_answered(self, answer: StaffMember | Recorded) -> None:
        staff = answer if isinstance(answer, StaffMember) else None
        action = self.flow.on_read(staff, self._now())
        if action is ReadAction.RECORD:
            self._show_recorded(answer)
        elif action is ReadAction.STAFF_LOGIN:
            self.render()

    def set_reader_state(self, state: str, detail: str = "") -> None:
        changed = (state, detail) != (self.reader_state, self.reader_detail)
        self.reader_state, self.reader_detail = state, detail
        self.flow.reader_changed(state)
        if changed:  # kept in the replica for the office (on "kiosk-stats": a badge never waits for it)
            self._op(lambda: self.actions.reader_changed(str(state), detail), worker=self.stats).run()
        if self.flow.screen is Screen.IDLE:
            self._fill_idle()

    def request_staff(self) -> None:
        self.flow.request_staff(self._now())
        self.render()

    def unexpected(self, exc_type, exc, tb) -> None:
        """The last-resort excepthook: log with the traceback, show "ask staff", carry on."""
        log.error("unexpected error in the kiosk:\n%s", "".join(traceback.format_exception(exc_type, exc, tb)))
        try:
            self.flow.show_error(str(exc), self._now())
            self.render()
        except Exception:  # never let the hook itself kill the kiosk
            log.exception("the error screen itself failed")

    def _act(self, action: Callable[[], object]) -> None:
        try:
            action()
        except FlowError as exc:
            self.staff_message = str(exc)
        self.flow.touch(self._now())
        self.render()

    # -- answers (GUI thread) ---------------------------------------------------------------------
    def _show_recorded(self, recorded: Recorded) -> None:
        """A passage was recorded (badge, forgotten badge, override): show its decision."""
        decision = recorded.decision
        self.flow.show_result(decision, recorded.passage_id, self._now())
        self.result.show_decision(decision, self.lang)
        for hook in self.outcome_hooks:
            try:
                hook(decision)
            except Exception:
                log.exception("outcome hook failed")
        self.render()
        self.refresh_status()  # the served count moved

    def _headcount_done(self, result) -> None:
        self._headcount_pending = False
        if result is not None and result.day == self._local().date():
            for s in result.services:
                if s.code:
                    self.expected[s.code] = s.totals.expected
            if self.flow.screen is Screen.MANAGER:
                self.manager.show_headcount(result, self.lang)
            elif self.flow.screen is Screen.IDLE:
                self._fill_idle()
        self.render()

    def _headcount_failed(self, failure: Failure) -> None:
        self._headcount_pending = False
        log.warning("headcount failed: %s", failure.message)
        if self._manager is not None:
            self._manager.message.setText(tr("Could not do that: {error}", error=failure.message))

    def _ask_staff(self, failure: Failure) -> None:
        """An operation failed unexpectedly (or a badge could not be recorded): the calm screen."""
        self.flow.show_error(failure.message, self._now())
        self.render()

    # -- periodic ------------------------------------------------------------------------------------
    def _on_tick(self) -> None:
        changed = self.flow.tick(self._now())
        if changed:
            self.render()
        elif self.flow.screen is Screen.IDLE:
            self.idle.clock.setText(clock_text(self._local()))
        elif self.flow.screen in (Screen.WHO, Screen.PIN) and not self.flow.pin_allowed(self._now()):
            self.screens[self.flow.screen].set_message(tr("Too many wrong PINs: wait {seconds} s",
                                    seconds=int(self.flow.lock_remaining(self._now())) + 1))

    def refresh_status(self) -> None:
        """Ask for the site, the sync status and the idle screen's figures (every 2 s, and after
        each passage); they are shown when the answer is back."""
        self._op(self.actions.screen_data, worker=self.stats) \
            .success(self._screen_data_read).failure(self._screen_data_failed).run()

    def _screen_data_read(self, data: ScreenData) -> None:
        self.screen_data, self.site, self.status = data, data.site, data.status
        if self.flow.screen is Screen.IDLE:
            self._fill_idle()

    def _screen_data_failed(self, failure: Failure) -> None:  # e.g. no site yet: the next poll asks again
        log.warning("cannot read the idle screen's data: %s", failure.message)

    def refresh_expected(self) -> None:
        """Ask the stats thread for today's headcount, unless one is already being computed
        (a slow computation must not pile up requests behind it)."""
        if not self._headcount_pending:
            self._headcount_pending = True
            day = self._local().date()
            self._op(lambda: self.actions.headcount(day), worker=self.stats) \
                .success(self._headcount_done).failure(self._headcount_failed).run()

    # -- showing -------------------------------------------------------------------------------------
    def render(self) -> None:
        """Show the flow's screen with fresh contents."""
        screen = self.flow.screen
        self._watch_activity(self.flow.staff is not None or screen in (Screen.WHO, Screen.PIN))
        widget = self.manager if screen is Screen.MANAGER else self.screens[screen]
        if screen is Screen.IDLE:
            self._fill_idle()
        elif screen is Screen.ASK_STAFF:
            self.ask.show_error(self.flow.error_text)
        elif screen is Screen.WHO and self.stack.currentWidget() is not widget:
            self.who.reset()
            self._list_staff()
        elif screen is Screen.PIN and self.stack.currentWidget() is not widget:
            self.pin.reset(self.flow.pin_for.name if self.flow.pin_for else None, back=self.flow.pin_chosen_by_name)
        elif screen is Screen.STAFF:
            self._fill_menu()
        elif screen is Screen.OVERRIDE and self.stack.currentWidget() is not widget and self.flow.last_refusal:
            d = self.flow.last_refusal.decision
            self.override.show_refusal(d.person.display_name, d.message(self.lang))
        elif screen is Screen.FORGOTTEN and self.stack.currentWidget() is not widget:
            self.forgotten.reset()
        elif screen is Screen.PASSAGES and self.stack.currentWidget() is not widget:
            self._show_lines()  # back from a pupil's answer too: the choice is kept by passage id
        elif screen is Screen.MANAGER and self.stack.currentWidget() is not widget:
            self.manager.reset()
        elif screen is Screen.PARKED and self.stack.currentWidget() is not widget:
            self._show_parked()
        if self.stack.currentWidget() is not widget:
            self.stack.setCurrentWidget(widget)
        if screen is Screen.RESULT:
            self.result.repaint()  # paint now, in this frame: the pupil is waiting for it

    def _show_parked(self, message: str = "") -> None:
        """Read what the server rejected on the stats worker, then list it."""
        def show(items) -> None:
            self.parked.show_items(items, self.site.timezone if self.site else "Europe/Paris", message)
        self._op(self.actions.parked_items, worker=self.stats).success(show) \
            .failure(self._staff_failed(self.parked)).run()

    def _fill_idle(self) -> None:
        if self.site is None:
            return
        now = self.clock()
        local = local_time(now, self.site.timezone)
        line = service_line(self.site.services, now, self.site.timezone)
        counts = menu = ""
        svc = line.current or line.upcoming
        data = self.screen_data
        if svc is not None and data is not None and data.service == svc.code:
            counts, menu = counts_text(data.served, self.expected.get(svc.code)), data.menu
        conn_state = connectivity(self.status, self.wall_clock(), self.sync_stale)
        self.idle.show_texts(IdleTexts(
            school=self.site.name, clock=clock_text(local), service=service_text(line), counts=counts,
            menu=f"{tr('Menu')} : {menu}" if menu and self.lang == "fr" else (f"{tr('Menu')}: {menu}" if menu else ""),
            prompt=idle_prompt(self.flow.reader_down, line),
            status=connectivity_text(conn_state), status_ok=conn_state.online,
            reader=reader_text(self.reader_state),  # the device path is for staff (staff menu)
            reader_ok=self.reader_state in (ReaderState.READY, ReaderState.STARTING)))
