"""The kiosk flow: which screen the station shows, as a state machine without Qt (CONTRIBUTING.md, habit 6).

The Qt window feeds it events (a badge was read, a decision came back, a PIN was checked, a
second passed) and shows whatever `screen` says; every rule about what happens next lives
here and is unit-tested without a display. Time is passed in by the caller: `now` is a
monotonic number of seconds (deadlines), instants are aware datetimes (status texts).

    idle ──badge──▶ result ──timeout / next badge──▶ idle
      │                                  ▲
      ├─long press─▶ who ─a name─▶ pin ─ok─▶ staff ─▶ forgotten | passages | override | manager
      └─staff badge─────────────▶ pin               | parked
                                    │ 5 wrong PINs: locked 1, then 5, 15, 60 min (kept in the replica)

Every PIN is checked against one named person: the badge's owner, or the name tapped on "who"
(a guess at the pad tries one PIN of one person, however many staff the station knows).
    any screen ──unexpected error──▶ ask_staff ──timeout──▶ back where it was

No Qt, no SQLAlchemy session, no I/O: `tests/unit/test_flow_imports.py` keeps it so.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum

from plateau.domain.services import ServiceInfo, local_time, next_service, open_service
from plateau.domain.rules import Decision
from plateau.domain.staff import StaffMember


class Screen(StrEnum):
    IDLE = "idle"
    RESULT = "result"
    ASK_STAFF = "ask_staff"     # an unexpected error: calm "Adressez-vous au personnel"
    WHO = "who"                 # the corner's pad: staff tap their name first, then type their PIN
    PIN = "pin"
    STAFF = "staff"             # the staff menu
    FORGOTTEN = "forgotten"     # forgotten badge: search by name or class
    PASSAGES = "passages"       # the last 50 passages, cancel one
    OVERRIDE = "override"       # let in the last refusal, with a motive
    MANAGER = "manager"         # today's headcounts, PDF/CSV
    PARKED = "parked"           # what the server rejected, with its reason; send it again


STAFF_SCREENS = frozenset({Screen.STAFF, Screen.FORGOTTEN, Screen.PASSAGES, Screen.OVERRIDE, Screen.MANAGER,
                           Screen.PARKED})


@dataclass(frozen=True)
class Outcome:
    """A decision being shown, and the passage that records it (None if nothing was recorded)."""

    decision: Decision
    passage_id: str | None
    shown_at: float


class ReadAction(StrEnum):
    RECORD = "record"            # decide and record the passage, then show the result
    STAFF_LOGIN = "staff_login"  # a staff badge: ask for that person's PIN
    IGNORE = "ignore"


class PinResult(StrEnum):
    OK = "ok"
    WRONG = "wrong"
    LOCKED = "locked"


class FlowError(ValueError):
    """An action the current state does not allow (e.g. the manager view for a staff role)."""


@dataclass
class KioskFlow:
    """The state of one kiosk. Lives on the GUI thread (it is not locked); pure Python."""

    result_seconds: float = 2.0
    staff_timeout_seconds: float = 60.0
    ask_staff_seconds: float = 8.0

    screen: Screen = Screen.IDLE
    outcome: Outcome | None = None
    staff: StaffMember | None = None
    pin_for: StaffMember | None = None         # whose PIN is expected (their badge, or the name tapped)
    staff_choices: tuple[StaffMember, ...] = ()  # the names "who" offers (active staff, read by the window)
    last_refusal: Outcome | None = None        # what "override" would let in
    locked_until: float = 0.0                  # the PIN pad's lock, as the replica said (`restore_lock`)
    error_text: str = ""
    reader_state: str = "starting"             # the reader port's state (devices.base.ReaderState values)
    _deadline: float = 0.0
    _return_to: Screen | None = None
    _chosen: bool = False                      # pin_for was tapped on "who" (not read from a badge)
    _last_activity: float = 0.0
    history: list[Screen] = field(default_factory=list)  # for tests and the debug log; bounded

    # -- transitions ---------------------------------------------------------------------------
    def _go(self, screen: Screen) -> None:
        self.screen = screen
        self.history.append(screen)
        del self.history[:-20]

    def on_read(self, staff_badge: StaffMember | None, now: float) -> ReadAction:
        """A badge was read. A staff badge opens the PIN pad; any other badge is recorded at once,
        whatever is on screen (a pupil in the line must never wait behind an animation)."""
        if staff_badge is not None:
            if self.staff is not None and self.staff.id == staff_badge.id:
                self.touch(now)
                return ReadAction.IGNORE
            self.request_staff(now, staff_badge)
            return ReadAction.STAFF_LOGIN
        return ReadAction.RECORD

    def show_result(self, decision: Decision, passage_id: str | None, now: float) -> None:
        """The decision is recorded (or could not be): show it for `result_seconds`."""
        if self.screen in STAFF_SCREENS and self.staff is not None:
            self._return_to = self.screen
        elif self.screen not in (Screen.RESULT, Screen.ASK_STAFF):
            self._return_to = None
        self.outcome = Outcome(decision, passage_id, now)
        if not decision.accepted and decision.person is not None and passage_id is not None:
            self.last_refusal = self.outcome
        elif decision.person is not None and self.last_refusal is not None \
                and self.last_refusal.decision.person is not None \
                and self.last_refusal.decision.person.id == decision.person.id and decision.accepted:
            self.last_refusal = None  # the same person got in: nothing left to override
        self._deadline = now + self.result_seconds
        self._go(Screen.RESULT)

    def show_error(self, text: str, now: float) -> None:
        """Something unexpected failed: a calm screen, then back where we were."""
        if self.screen in STAFF_SCREENS and self.staff is not None:
            self._return_to = self.screen
        elif self.screen not in (Screen.RESULT, Screen.ASK_STAFF):
            self._return_to = None
        self.error_text = text
        self._deadline = now + self.ask_staff_seconds
        self._go(Screen.ASK_STAFF)

    def tick(self, now: float) -> bool:
        """Called a few times a second; returns True when the screen changed."""
        before = self.screen
        if self.screen in (Screen.RESULT, Screen.ASK_STAFF) and now >= self._deadline:
            back = self._return_to if (self._return_to and self.staff is not None) else Screen.IDLE
            self._return_to = None
            self._go(back)
        if self.staff is not None and now - self._last_activity >= self.staff_timeout_seconds:
            self.leave_staff()
        elif self.screen in (Screen.WHO, Screen.PIN) and now - self._last_activity >= self.staff_timeout_seconds:
            self.pin_for, self._chosen = None, False
            self._go(Screen.IDLE)
        return self.screen != before

    def touch(self, now: float) -> None:
        """Staff touched the screen: push the inactivity deadline."""
        self._last_activity = now

    def reader_changed(self, state: str) -> None:
        self.reader_state = str(state)

    @property
    def reader_down(self) -> bool:
        """No badge can be read: the idle screen sends pupils to staff instead of "badge here"."""
        return self.reader_state in ("unplugged", "error", "stopped")

    # -- staff mode ----------------------------------------------------------------------------
    def request_staff(self, now: float, member: StaffMember | None = None) -> None:
        """A staff badge: the PIN pad for its owner. The long press on the corner (member None):
        "who are you?" first, so that the PIN typed next is checked against that person only."""
        self.pin_for = member
        self._chosen = False
        self.touch(now)
        if member is None:
            self.staff_choices = ()
            self._go(Screen.WHO)
        else:
            self._go(Screen.PIN)

    def staff_listed(self, members) -> None:
        """The active staff, as the replica has them (read on a worker): the names "who" offers."""
        self.staff_choices = tuple(members)

    def choose_staff(self, member_id: int, now: float) -> StaffMember:
        """A name was tapped on "who": the PIN pad for that person."""
        if self.screen is not Screen.WHO:
            raise FlowError("no one is being chosen")
        member = next((m for m in self.staff_choices if m.id == member_id), None)
        if member is None:
            raise FlowError(f"staff member {member_id} is not offered")
        self.pin_for = member
        self._chosen = True
        self.touch(now)
        self._go(Screen.PIN)
        return member

    @property
    def pin_chosen_by_name(self) -> bool:
        """The PIN pad was reached by tapping a name: its "back" returns to the names."""
        return self.screen is Screen.PIN and self._chosen

    def lock_remaining(self, now: float) -> float:
        return max(0.0, self.locked_until - now)

    def pin_checked(self, member: StaffMember | None, now: float, locked_for: float = 0.0) -> PinResult:
        """The worker checked the typed PIN against the replica (`plateau.db.kiosk.check_pin`,
        which keeps the count of wrong PINs and the escalating lockout across restarts): `member`,
        or None, with `locked_for` > 0 when the pad is locked (now, or by this very failure). A PIN
        typed during a lock is not even checked (see `pin_allowed`)."""
        self.touch(now)
        if locked_for > 0:
            self.restore_lock(locked_for, now)
            return PinResult.LOCKED
        if self.lock_remaining(now) > 0:
            return PinResult.LOCKED
        if member is None or self.pin_for is None or member.id != self.pin_for.id:
            return PinResult.WRONG   # no PIN opens staff mode without naming whose it is
        self.staff = member
        self.pin_for, self._chosen = None, False
        self._go(Screen.STAFF)
        return PinResult.OK

    def restore_lock(self, seconds: float, now: float) -> None:
        """The replica says the pad is locked for `seconds` more (at start, or after a check)."""
        self.locked_until = max(self.locked_until, now + seconds)

    def pin_allowed(self, now: float) -> bool:
        return self.lock_remaining(now) <= 0

    def open(self, screen: Screen, now: float) -> None:
        """Go to a staff screen (the staff menu's buttons)."""
        if self.staff is None:
            raise FlowError("staff mode is not open")
        if screen not in STAFF_SCREENS:
            raise FlowError(f"{screen} is not a staff screen")
        if screen is Screen.MANAGER and not self.staff.can_manage:
            raise FlowError("the manager view needs a manager PIN")
        if screen is Screen.OVERRIDE and self.last_refusal is None:
            raise FlowError("no refusal to override")
        self.touch(now)
        self._go(screen)

    def leave_staff(self) -> None:
        self.staff = None
        self.pin_for, self._chosen = None, False
        self._return_to = None
        if self.screen in STAFF_SCREENS or self.screen in (Screen.WHO, Screen.PIN):
            self._go(Screen.IDLE)

    def cancel_pin(self) -> None:
        """The PIN pad's "Back", when a name was tapped, returns to the names (a wrong name costs one
        tap); "Cancel" on the names, or on a badge's PIN pad, leaves."""
        from_names = self.pin_chosen_by_name
        self.pin_for = None
        self._chosen = False
        if from_names:
            self._go(Screen.WHO)
        elif self.screen in (Screen.WHO, Screen.PIN):
            self._go(Screen.STAFF if self.staff else Screen.IDLE)

    def can_quit(self) -> bool:
        return self.staff is not None and self.staff.can_quit


# -- what the idle screen says, as data (the Qt screens word it in the chosen language) --------

@dataclass(frozen=True)
class ServiceLine:
    """The service open now, else the next one today, else nothing."""

    current: ServiceInfo | None
    upcoming: ServiceInfo | None


def service_line(services, at: datetime, tz: str) -> ServiceLine:
    local = local_time(at, tz)
    current = open_service(services, local)
    return ServiceLine(current, None if current else next_service(services, local))


@dataclass(frozen=True)
class Connectivity:
    """The discreet status line: online, or offline since N minutes with M passages waiting, or
    the sync daemon stopped (its heartbeat is older than the threshold) with M waiting."""

    online: bool
    offline_minutes: int | None   # None when online, or when unknown (never synced)
    waiting: int
    parked: int
    error: str
    stopped_seconds: int | None = None     # the daemon's last heartbeat is this old: it is not running
    heartbeat_age_seconds: int | None = None


# the daemon long-polls about every 25 s and records each success; silence longer than this means
# the daemon itself is gone (used only for a replica without heartbeat: a daemon older than it)
STALE_AFTER = timedelta(minutes=2)
# the daemon stamps its heartbeat every few seconds while it runs, even offline; the kiosk's default
# threshold ([station] sync_stale_seconds) leaves room for requests in flight (`stale_after_for`)
SYNC_STALE_AFTER = timedelta(seconds=60)


def stale_after_for(sync_stale_seconds: float, timeout_seconds: float, heartbeat_seconds: float) -> timedelta:
    """The threshold: the configured one, or by default the longest a running daemon can be
    silent (both loops inside a request of up to 3 timeouts, plus a heartbeat period) and some
    slack, at least 60 s (3 heartbeats)."""
    if sync_stale_seconds > 0:
        return timedelta(seconds=sync_stale_seconds)
    return max(SYNC_STALE_AFTER, timedelta(seconds=3 * timeout_seconds + 2 * heartbeat_seconds + 10),
               timedelta(seconds=3 * heartbeat_seconds))


def connectivity(status, now: datetime, stale_after: timedelta = SYNC_STALE_AFTER) -> Connectivity:
    """From `plateau.sync.status.SyncStatus` (or None when nothing was ever synced)."""
    if status is None:
        return Connectivity(False, None, 0, 0, "")
    age = None
    if status.heartbeat_at is not None:
        age = max(0, int((now - status.heartbeat_at).total_seconds()))
        if now - status.heartbeat_at > stale_after:
            return Connectivity(False, None, status.waiting, status.parked, status.last_error, stopped_seconds=age,
                                heartbeat_age_seconds=age)
    fresh = status.last_success_at is not None and now - status.last_success_at <= STALE_AFTER
    if status.online and (fresh or age is not None):
        return Connectivity(True, None, status.waiting, status.parked, status.last_error, heartbeat_age_seconds=age)
    since = status.offline_since or status.last_success_at
    minutes = max(0, int((now - since).total_seconds() // 60)) if since else None
    return Connectivity(False, minutes, status.waiting, status.parked, status.last_error, heartbeat_age_seconds=age)
