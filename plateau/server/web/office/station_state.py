"""Each station's state on the Today page: online, last contact, passages waiting and parked,
clock skew, software version, badge reader, from what its sync requests said
(`plateau.server.station_telemetry`). Reads only; in the words of the page's language."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select

from plateau.server import models as m
from plateau.server.station_telemetry import SKEW_WARN
from plateau.server.web.i18n import gettext

ONLINE_WITHIN = timedelta(seconds=90)  # a syncing station asks at least every long-poll (≤ 60 s)

READER_WORDS = {"ready": "ready", "starting": "starting", "unplugged": "unplugged", "error": "in error",
                "stopped": "stopped (kiosk not running)", "unknown": "unknown"}


def duration_words(seconds: int, lang: str) -> str:
    """`125` → "2 min 5 s"; days and hours for a clock that is far off (a kiosk booted in 1970)."""
    _ = gettext(lang)
    s = abs(int(seconds))
    days, rest = divmod(s, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    parts = [(days, _("{n} d")), (hours, _("{n} h")), (minutes, _("{n} min")), (secs, _("{n} s"))]
    shown = [(n, unit) for n, unit in parts if n][:2] or [(0, _("{n} s"))]
    return " ".join(unit.format(n=f"{n:,}".replace(",", "\u202f")) for n, unit in shown)


def skew_words(skew: int | None, lang: str) -> tuple[str, bool]:
    """(the words, whether it is off by more than a minute)."""
    _ = gettext(lang)
    if skew is None:
        return "—", False
    if abs(skew) <= SKEW_WARN:
        return _("on time ({d})", d=duration_words(skew, lang)), False
    way = _("ahead") if skew > 0 else _("behind")
    return _("clock off by {d} ({way})", d=duration_words(skew, lang), way=way), True


def station_rows(session, site_id: int, now: datetime, lang: str) -> list[dict]:
    """The site's stations, in order, as the Today page shows them."""
    _ = gettext(lang)
    rows = []
    for st in session.execute(select(m.Station).where(m.Station.site_id == site_id)
                              .order_by(m.Station.station_id)).scalars():
        contact = st.last_contact
        skew, skew_bad = skew_words(st.clock_skew_seconds, lang)
        reader = st.reader_state
        rows.append({"id": st.station_id, "revoked": st.revoked, "last_seen": contact,
                     "online": bool(contact and now - contact <= ONLINE_WITHIN and not st.revoked),
                     "waiting": st.waiting, "parked": st.parked, "version": st.version,
                     "skew": skew, "skew_bad": skew_bad,
                     "reader": _(READER_WORDS[reader]) if reader in READER_WORDS else None,
                     "reader_ok": reader == "ready", "reader_bad": reader in ("unplugged", "error"),
                     "reader_detail": st.reader_detail or ""})
    return rows
