"""Wording of the idle screen's and staff menu's status lines, in the kiosk's language.

Pure functions over the flow's data (`plateau.station.flow`) and `tr()`. GUI thread only
(translations are looked up through the QApplication).
"""

from __future__ import annotations

from datetime import datetime

from plateau.devices.base import ReaderState
from plateau.domain.reasons import Reason
from plateau.station.flow import Connectivity, ServiceLine
from plateau.domain.rules import Decision
from plateau.station.ui.i18n import tr

_READER = {ReaderState.READY: "Reader ready", ReaderState.STARTING: "Reader starting",
           ReaderState.UNPLUGGED: "Reader unplugged", ReaderState.ERROR: "Reader error",
           ReaderState.STOPPED: "Reader stopped"}


def service_text(line: ServiceLine) -> str:
    if line.current is not None:
        s = line.current
        return tr("{label} · {start} – {end}", label=s.label, start=s.start.strftime("%H:%M"),
                  end=s.end.strftime("%H:%M"))
    if line.upcoming is not None:
        return tr("Next service: {label} at {start}", label=line.upcoming.label,
                  start=line.upcoming.start.strftime("%H:%M"))
    return tr("No more service today")


def connectivity_text(c: Connectivity) -> str:
    """"En ligne" or "hors ligne depuis 12 min — 37 passages en attente", or "Synchronisation
    arrêtée depuis 5 min — 12 passages en attente" when the sync daemon does not run."""
    if c.stopped_seconds is not None:
        parts = ["\u25CB " + tr("Synchronisation stopped for {age}", age=age_text(c.stopped_seconds))]
    elif c.online:
        parts = ["\u25CF " + tr("Online")]
    elif c.offline_minutes is None:
        parts = ["\u25CB " + tr("Offline"), tr("never synchronised")]
    elif c.offline_minutes < 1:  # not "for 0 min"
        parts = ["\u25CB " + tr("offline for less than a minute")]
    else:
        parts = ["\u25CB " + tr("offline for {minutes} min", minutes=c.offline_minutes)]
    if c.waiting and not c.online:
        parts.append(tr("1 passage waiting") if c.waiting == 1 else tr("{n} passages waiting", n=c.waiting))
    if c.parked:
        parts.append(tr("{n} rejected by the server", n=c.parked))
    return " — ".join(parts)


def idle_prompt(reader_down: bool, line: ServiceLine) -> str:
    """The idle screen's invitation: none when no service remains today (a Sunday, the evening),
    since a badge would only be refused; the service line already says so."""
    if reader_down:
        return tr("No badge reader: please ask a member of staff")
    if line.current is None and line.upcoming is None:
        return ""
    return tr("Present your badge")


# where a pupil refused for an opposition should go, by the opposition's source: the queue
# behind sees this, never the motive (an absence, a sanction, a debt), which staff see
_OPPOSITION_DESK = {"unpaid": "see the bursar's office"}


def pupil_headline(decision: Decision, lang: str) -> str:
    """The result screen's headline, seen by the whole queue: an opposition names only the desk
    to see; every other answer is the decision's own message."""
    if decision.reason is Reason.OPPOSITION:
        desk = _OPPOSITION_DESK.get(decision.details.get("source", ""), "see the vie scolaire")
        return tr("Access suspended: {desk}", desk=tr(desk))
    return decision.message(lang)
def age_text(seconds: int) -> str:
    """"40 s", "5 min", "3 h"."""
    if seconds < 60:
        return f"{seconds} s"
    if seconds < 3 * 3600:
        return f"{seconds // 60} min"
    return f"{seconds // 3600} h"


def heartbeat_text(c: Connectivity) -> str:
    """For the staff menu: how long ago the sync daemon was last seen running."""
    if c.heartbeat_age_seconds is None:
        return tr("sync service never seen running")
    return tr("sync service seen {age} ago", age=age_text(c.heartbeat_age_seconds))


def reader_text(state: str, detail: str = "") -> str:
    try:
        text = tr(_READER[ReaderState(state)])
    except ValueError:
        text = state
    return f"{text} ({detail})" if detail and state != ReaderState.READY else text


def counts_text(served: int, expected: int | None) -> str:
    if expected is None:
        return tr("{served} served", served=served)
    return tr("{served} served / {expected} expected", served=served, expected=expected)


def clock_text(local: datetime) -> str:
    return local.strftime("%H:%M")


REASON_LABELS = {"unknown_card": "Unknown badge", "card_blocked": "Badge blocked",
                 "person_inactive": "Registration inactive", "no_service": "No service open",
                 "closed_day": "Canteen closed", "opposition": "Access suspended", "already_served": "Already served",
                 "not_registered_today": "Not registered today", "no_reservation": "No reservation",
                 "insufficient_balance": "Insufficient balance", "ok": "accepted"}


def reason_label(code: str) -> str:
    """A refusal reason in two or three words, for tables and charts."""
    return tr(REASON_LABELS[code]) if code in REASON_LABELS else code
