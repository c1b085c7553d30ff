"""The kiosk window: shows the flow's screen, feeds it events, runs actions on the workers.

Threads: the window and its screens live on the GUI thread; decisions, durable writes and PIN
checks run on the "kiosk-db" worker, headcounts on "kiosk-stats" (see `worker.py`); a badge
reader calls back on its own thread and reaches the window through `ReaderBridge`'s queued
signals. Reads for the screens (sync status, served count, search, last passages) are short
indexed queries on the GUI thread: WAL readers never wait for a writer.
"""

from __future__ import annotations

import logging
import time
import traceback
from datetime import datetime, timedelta, timezone
from typing import Callable

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QMainWindow, QStackedWidget
from sqlalchemy import Engine

from plateau.config import StationSettings
from plateau.db import kiosk as kq
from plateau.db.queries import SiteCache
from plateau.db.search import search_persons
from plateau.devices.base import ReaderState
from plateau.domain.services import local_time
from plateau.station.flow import (FlowError, KioskFlow, PinResult, ReadAction, Screen, connectivity, stale_after_for,
                                  service_line)
from plateau.station.ui import i18n, theme
from plateau.station.ui.actions import KioskActions
from plateau.station.ui.bridges import ActivityFilter, ReaderBridge
from plateau.station.ui.forgotten import ForgottenScreen
from plateau.station.ui.i18n import tr
from plateau.station.ui.pupil_screens import AskStaffScreen, IdleScreen, IdleTexts, ResultScreen
from plateau.station.ui.staff_screens import OverrideScreen, ParkedScreen, PassagesScreen, PinScreen, StaffMenu
from plateau.station.ui.texts import (clock_text, connectivity_text, counts_text, heartbeat_text, reader_text,
                                      service_text)
from plateau.station.ui.worker import DbWorker
from plateau.sync.status import read_status

log = logging.getLogger(__name__)


def utc_now() -> datetime:
    return datetime.now(timezone.utc)


class KioskWindow(QMainWindow):
    """The station's one window. GUI thread. `clock` gives aware instants (tests pass a fake);
    `wall_clock` (default: `clock`) dates the sync status, which the daemon writes in real time
    even when a demo shifts the kiosk's clock (`[station] clock_start`)."""

    def __init__(self, engine: Engine, settings: StationSettings, *, clock: Callable[[], datetime] = utc_now,
                 lang: str | None = None, reports_dir: str | None = None,
                 wall_clock: Callable[[], datetime] | None = None, pin_key: bytes | None = None):
        super().__init__()
        self.engine, self.settings, self.clock = engine, settings, clock
        self.wall_clock = wall_clock or clock
        self.lang = lang or settings.station.language
        i18n.install(self.lang)
        self.station = settings.station.id
        self.reports_dir = reports_dir
        self.actions = KioskActions(engine, self.station, clock, pin_key=pin_key, wall_clock=self.wall_clock)
        self.recorder = self.actions.recorder    # used on the kiosk-db thread only
        self.sites = SiteCache()                  # the GUI thread's own cache (the recorder's is not shared)
        self.flow = KioskFlow(result_seconds=settings.station.result_seconds,
                              staff_timeout_seconds=settings.station.staff_timeout_seconds)
        self.outcome_hooks: list[Callable] = []   # gate, sounds: called with each shown Decision
        self.reader_state, self.reader_detail = str(ReaderState.STARTING), ""
        self.expected: dict[str, int] = {}
        self.staff_message = ""
        self._token = 0
        self._headcount_pending = False
        self.site = None
        self._build_screens()
        # style for the smallest screen until the first resize: the window's minimum size is then
        # small enough for a 7" 800×480 panel (Qt's default metrics would ask for ~930 px)
        self.setStyleSheet(theme.stylesheet(800, 480))
        self.db = DbWorker(self.actions.db_actions(), "kiosk-db")
        self.stats = DbWorker(self.actions.stats_actions(), "kiosk-stats")
        for worker in (self.db, self.stats):
            worker.done.connect(self._done)
            worker.failed.connect(self._failed)
            worker.start()
        self.activity = ActivityFilter(lambda: self.flow.touch(self._now()), self)
        self._watching_activity = False  # installed only in staff mode: it sees every event of the app
        self.bridge = ReaderBridge()
        self.bridge.read.connect(self.badge_read)
        self.bridge.state.connect(self.set_reader_state)
        self._tick = QTimer(self, interval=200, timeout=self._on_tick)
        self._poll = QTimer(self, interval=2000, timeout=self.refresh_status)
        self._stats_timer = QTimer(self, interval=60_000, timeout=self.refresh_expected)
        with engine.connect() as conn:  # a lockout survives a restart of the kiosk
            self.flow.restore_lock(kq.pin_lock_remaining(conn, self.wall_clock()), self._now())
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
        self.pin, self.menu, self.override = PinScreen(), StaffMenu(), OverrideScreen()
        self.forgotten, self.passages, self.parked = ForgottenScreen(), PassagesScreen(), ParkedScreen()
        self._manager = None  # built on first use: QtCharts costs 0.2 s of start-up
        self.screens = {Screen.IDLE: self.idle, Screen.RESULT: self.result, Screen.ASK_STAFF: self.ask,
                        Screen.PIN: self.pin, Screen.STAFF: self.menu, Screen.OVERRIDE: self.override,
                        Screen.FORGOTTEN: self.forgotten, Screen.PASSAGES: self.passages,
                        Screen.PARKED: self.parked}
        for w in self.screens.values():
            self.stack.addWidget(w)
        self.idle.corner.long_pressed.connect(self.request_staff)
        self.pin.pin_entered.connect(self._pin_entered)
        self.pin.cancelled.connect(lambda: self._act(self.flow.cancel_pin))
        self.menu.chosen.connect(self._menu_chosen)
        self.override.motive_chosen.connect(self._override)
        for screen in (self.override, self.forgotten, self.passages, self.parked):
            screen.back.connect(self._back_to_menu)
        self.parked.retry.connect(lambda: self._submit(self.db, "retry_parked"))
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

    def _back_to_menu(self) -> None:
        self._act(lambda: self.flow.open(Screen.STAFF, self._now()))

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

    # -- time ------------------------------------------------------------------------------------
    @staticmethod
    def _now() -> float:
        return time.monotonic()

    def _local(self) -> datetime:
        return local_time(self.clock(), self.site.timezone if self.site else "Europe/Paris")

    def _submit(self, worker: DbWorker, name: str, *args) -> int:
        self._token += 1
        worker.submit.emit(name, args, self._token)
        return self._token

    # -- events ----------------------------------------------------------------------------------
    def badge_read(self, uid: str) -> None:
        """A badge was read (GUI thread): a staff badge asks for a PIN, any other is recorded."""
        log.debug("read uid=%s", uid)
        with self.engine.connect() as conn:
            staff = kq.staff_for_badge(conn, uid)
        action = self.flow.on_read(staff, self._now())
        if action is ReadAction.RECORD:
            self._submit(self.db, "badge", uid, self.clock())  # the screen changes when the answer is back
        elif action is ReadAction.STAFF_LOGIN:
            self.render()

    def set_reader_state(self, state: str, detail: str = "") -> None:
        self.reader_state, self.reader_detail = state, detail
        self.flow.reader_changed(state)
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

    def _pin_entered(self, pin: str) -> None:
        now = self._now()
        if not self.flow.pin_allowed(now):
            self.pin.set_message(tr("Too many wrong PINs: wait {seconds} s", seconds=int(self.flow.lock_remaining(now)) + 1))
            return
        self.pin.set_message(tr("Checking…"))
        self._submit(self.db, "pin", pin, self.flow.pin_for.id if self.flow.pin_for else None)

    def _menu_chosen(self, key: str) -> None:
        now = self._now()
        self.staff_message = ""
        pages = {"override": Screen.OVERRIDE, "forgotten": Screen.FORGOTTEN, "passages": Screen.PASSAGES,
                 "manager": Screen.MANAGER, "parked": Screen.PARKED}
        if key in pages:
            self._act(lambda: self.flow.open(pages[key], now))
            if self.flow.screen is Screen.MANAGER:
                self.refresh_expected()
        elif key == "sync":
            self._submit(self.db, "sync")
        elif key == "close":
            self._act(self.flow.leave_staff)
        elif key == "fullscreen" and self.flow.can_quit():
            self.showNormal()
        elif key == "quit" and self.flow.can_quit():
            log.info("kiosk quit by staff id=%s", self.flow.staff.id)
            self.close()
            QApplication.instance().quit()

    def _override(self, motive: str) -> None:
        refusal, staff = self.flow.last_refusal, self.flow.staff
        if refusal and staff:
            self._submit(self.db, "override", refusal.passage_id, staff.id, motive, self.clock())

    def _search(self, query: str) -> None:
        self.flow.touch(self._now())
        with self.engine.connect() as conn:
            self.forgotten.show_found(search_persons(conn, query) if query.strip() else [])

    def _forgotten(self, person_id: int) -> None:
        if self.flow.staff:
            self._submit(self.db, "forgotten", person_id, self.clock(), self.flow.staff.id)

    def _lost(self, person_id: int, uid: str) -> None:
        if self.flow.staff:
            self._submit(self.db, "lost", uid, self.flow.staff.id, self.clock())

    def _cancel(self, passage_id: str) -> None:
        if self.flow.staff:
            self._submit(self.db, "cancel", passage_id, self.flow.staff.id, tr("Passage by mistake"), self.clock())

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

    # -- worker answers (GUI thread) ----------------------------------------------------------------
    def _done(self, name: str, result, token: int) -> None:
        log.debug("done action=%s in_worker_ms=%.1f", name, self.db.last_duration * 1000)
        now = self._now()
        if name in ("badge", "forgotten", "override", "cancel"):
            decision = result.decision
            if name == "cancel":
                self.staff_message = tr("Passage cancelled")
                self.passages.show_lines(self._lines(), self.site.timezone, self.lang, self.staff_message)
                self.flow.touch(now)
                return
            self.flow.show_result(decision, result.passage_id, now)
            if name == "override":
                self.flow.last_refusal = None
            self.result.show_decision(decision, self.lang)
            for hook in self.outcome_hooks:
                try:
                    hook(decision)
                except Exception:
                    log.exception("outcome hook failed")
        elif name == "pin":
            outcome = self.flow.pin_checked(result.member, now, result.locked_for)
            if outcome is PinResult.WRONG:
                self.pin.set_message(tr("Wrong PIN"))
            elif outcome is PinResult.LOCKED:
                self.pin.set_message(tr("Too many wrong PINs: wait {seconds} s",
                                        seconds=int(self.flow.lock_remaining(now)) + 1))
        elif name == "lost":
            found = self.forgotten.selected()
            self.staff_message = tr("Card of {name} declared lost", name=found.display_name if found else result)
            self._search(self.forgotten.field.text())
            self.forgotten.message.setText(self.staff_message)
            return
        elif name == "sync":
            self.staff_message = tr("Sync requested")
        elif name == "retry_parked":
            self.staff_message = tr("Sent again: {n}", n=result)
            self.refresh_status()
            self._show_parked(self.staff_message)
        elif name == "headcount":
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

    def _failed(self, name: str, message: str, user_error: bool, token: int) -> None:
        now = self._now()
        if name in ("badge",) or not user_error:
            if name == "headcount":
                self._headcount_pending = False
                log.warning("headcount failed: %s", message)
                if self._manager is not None:
                    self._manager.message.setText(tr("Could not do that: {error}", error=message))
                return
            self.flow.show_error(message, now)
        else:
            self.staff_message = tr("Could not do that: {error}", error=message)
            page = {"forgotten": self.forgotten, "lost": self.forgotten, "cancel": self.passages,
                    "override": self.override, "pin": self.pin}.get(name)
            if page is not None:
                page.message.setText(self.staff_message)
                return
        self.render()

    # -- periodic ------------------------------------------------------------------------------------
    def _on_tick(self) -> None:
        changed = self.flow.tick(self._now())
        if changed:
            self.render()
        elif self.flow.screen is Screen.IDLE:
            self.idle.clock.setText(clock_text(self._local()))
        elif self.flow.screen is Screen.PIN and not self.flow.pin_allowed(self._now()):
            self.pin.set_message(tr("Too many wrong PINs: wait {seconds} s",
                                    seconds=int(self.flow.lock_remaining(self._now())) + 1))

    def refresh_status(self) -> None:
        with self.engine.connect() as conn:
            self.site = self.sites.get(conn)
            self.status = read_status(conn)
        if self.flow.screen is Screen.IDLE:
            self._fill_idle()

    def refresh_expected(self) -> None:
        """Ask the stats thread for today's headcount, unless one is already being computed
        (a slow computation must not pile up requests behind it)."""
        if not self._headcount_pending:
            self._headcount_pending = True
            self._submit(self.stats, "headcount", self._local().date())

    # -- showing -------------------------------------------------------------------------------------
    def render(self) -> None:
        """Show the flow's screen with fresh contents."""
        screen = self.flow.screen
        self._watch_activity(self.flow.staff is not None or screen is Screen.PIN)
        widget = self.manager if screen is Screen.MANAGER else self.screens[screen]
        if screen is Screen.IDLE:
            self._fill_idle()
        elif screen is Screen.ASK_STAFF:
            self.ask.show_error(self.flow.error_text)
        elif screen is Screen.PIN and self.stack.currentWidget() is not widget:
            self.pin.reset(self.flow.pin_for.name if self.flow.pin_for else None)
        elif screen is Screen.STAFF:
            self._fill_menu()
        elif screen is Screen.OVERRIDE and self.stack.currentWidget() is not widget and self.flow.last_refusal:
            d = self.flow.last_refusal.decision
            self.override.show_refusal(d.person.display_name, d.message(self.lang))
        elif screen is Screen.FORGOTTEN and self.stack.currentWidget() is not widget:
            self.forgotten.reset()
        elif screen is Screen.PASSAGES and self.stack.currentWidget() is not widget:
            self.passages.show_lines(self._lines(), self.site.timezone, self.lang)
        elif screen is Screen.MANAGER and self.stack.currentWidget() is not widget:
            self.manager.reset()
        elif screen is Screen.PARKED and self.stack.currentWidget() is not widget:
            self._show_parked()
        if self.stack.currentWidget() is not widget:
            self.stack.setCurrentWidget(widget)
        if screen is Screen.RESULT:
            self.result.repaint()  # paint now, in this frame: the pupil is waiting for it

    def _show_parked(self, message: str = "") -> None:
        with self.engine.connect() as conn:
            self.parked.show_items(kq.parked_items(conn), self.site.timezone if self.site else "Europe/Paris",
                                   message)

    def _lines(self):
        since = self._local().date() - timedelta(days=4)  # back to last Friday on a Monday
        with self.engine.connect() as conn:
            return kq.last_passages(conn, 50, since)

    def _fill_idle(self) -> None:
        if self.site is None:
            return
        now = self.clock()
        local = local_time(now, self.site.timezone)
        line = service_line(self.site.services, now, self.site.timezone)
        counts = menu = ""
        svc = line.current or line.upcoming
        if svc is not None:
            with self.engine.connect() as conn:
                served = kq.served_count(conn, local.date(), svc.code)
                menu = kq.menu_text(conn, local.date(), svc.code)
            counts = counts_text(served, self.expected.get(svc.code))
        conn_state = connectivity(self.status, self.wall_clock(), self.sync_stale)
        self.idle.show_texts(IdleTexts(
            school=self.site.name, clock=clock_text(local), service=service_text(line), counts=counts,
            menu=f"{tr('Menu')} : {menu}" if menu and self.lang == "fr" else (f"{tr('Menu')}: {menu}" if menu else ""),
            prompt=tr("No badge reader: please ask a member of staff") if self.flow.reader_down
            else tr("Present your badge"),
            status=connectivity_text(conn_state), status_ok=conn_state.online,
            reader=reader_text(self.reader_state),  # the device path is for staff (staff menu)
            reader_ok=self.reader_state in (ReaderState.READY, ReaderState.STARTING)))

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
