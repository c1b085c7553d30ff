"""The day's headcount kept up to date passage by passage, for the office's live Today page.

`HeadcountFold(data)` counts `data` like `plateau.reports.headcount.compute`; `add(passages)`
then folds in passages that reached the server since, and `result()` is what `compute` would
give over all of them (tests/unit/test_headcount_fold.py checks it on random days). Folding a
passage costs in proportion to that passage, not to the day: the persons, bookings and
oppositions are looked at once, when the fold is built. (A served passage also makes its
person's double-passages entry again: in proportion to that person's passages in the service.)

Passages arrive in any order: a cancel or an override may come before the passage it names
(another station's push, a batch sent again). So each passage's contribution depends on the
others (cancelled? overridden? what reason did the override pass?) and is kept with it: when a
new passage changes what an earlier one counts for, that one is taken out and counted again.
The persons, bookings, oppositions, closures, services and staff are those of `data`: when they
change, build a new fold. Not thread-safe: the caller serialises `add` and `result`.
"""

from __future__ import annotations

from copy import copy
from typing import Any, Iterable, Mapping
from zoneinfo import ZoneInfo

from plateau.domain.services import ServiceInfo
from plateau.reports.headcount import (
    OUT_OF_SERVICE, SERVED_KINDS, Counts, DayData, DayHeadcount, ServiceHeadcount, as_date, as_instant, closed_label,
    counts_as_double, double_entry, expected_persons, listing_key, person_row, service_slots, slot_of,
)

_GROUPS = ("by_class", "by_category", "by_station")


class HeadcountFold:
    """One day at one site, counted so far. Plain data; one thread at a time."""

    def __init__(self, data: DayData):
        self._data = data
        self._tz = ZoneInfo(data.timezone)
        self._day_iso = data.day.isoformat()
        self._closed = closed_label(data)
        self._info: dict[str, ServiceInfo] = {s.code: s for s in data.services}
        self._services: dict[str, ServiceHeadcount] = {}
        self._expected: dict[str, dict[int, str]] = {}
        self._passages: dict[str, Mapping[str, Any]] = {}
        self._cancels: dict[str, dict[str, Mapping[str, Any]]] = {}   # ref -> the cancels naming it
        self._overrides: dict[str, set[str]] = {}                     # ref -> the overrides naming it
        self._counted: dict[str, tuple] = {}        # passage id -> how it is counted now (see _state)
        self._served: dict[tuple[str, int], int] = {}       # (service, person) -> served passages
        self._touched: dict[tuple[str, str, str], int] = {}  # (service, group, key) -> contributions
        # service -> person -> (place in the list, row): see _listed
        self._no_shows: dict[str, dict[int, tuple[tuple, dict]]] = {}
        self._unexpected: dict[str, dict[int, tuple[tuple, dict]]] = {}
        # (service, person) -> id -> the served passages toward the allowance; service -> person -> entry
        self._allowance: dict[tuple[str, int], dict[str, Mapping[str, Any]]] = {}
        self._doubles: dict[str, dict[int, tuple[tuple, dict]]] = {}
        self._rows: dict[str, dict[str, dict[str, tuple]]] = {}   # service -> overrides|cancellations -> id
        for svc in sorted(data.services, key=lambda s: s.start):
            if data.day.weekday() in svc.weekdays:
                self._open(svc)
        self.add(data.passages)

    @property
    def passages(self) -> int:
        """How many passages of the day are counted."""
        return len(self._passages)

    # -- folding -------------------------------------------------------------------------------

    def add(self, passages: Iterable[Mapping[str, Any]]) -> None:
        """Count these passages too (wire dicts; other days and passages already counted are skipped)."""
        again: dict[str, None] = {}   # ids whose contribution must be counted again, in order
        for p in passages:
            if str(as_date(p["local_date"])) != self._day_iso or p["id"] in self._passages:
                continue
            pid, ref = p["id"], p.get("ref")
            self._passages[pid] = p
            again[pid] = None
            if p["kind"] == "cancel" and ref:
                self._cancels.setdefault(ref, {})[pid] = p
                again[ref] = None
            if p["kind"] == "override" and ref:
                self._overrides.setdefault(ref, set()).add(pid)
                again[ref] = None
            for oid in self._overrides.get(pid, ()):   # overrides that came first: their reason is known now
                again[oid] = None
        todo = [i for i in again if i in self._passages]
        for i in todo:
            if i in self._counted:
                self._fold(self._passages[i], -1, self._counted.pop(i))
        for i in todo:
            state = self._state(self._passages[i])
            self._fold(self._passages[i], +1, state)
            self._counted[i] = state

    def _state(self, p: Mapping[str, Any]) -> tuple:
        """How `p` counts given the passages known now (what `compute` decides in its loop)."""
        if not p["accepted"]:
            return ("refused", bool(self._overrides.get(p["id"])))
        if p["kind"] not in SERVED_KINDS:
            return ("none",)
        cancels = self._cancels.get(p["id"])
        if cancels:
            return ("cancelled", max(cancels.values(), key=lambda c: (as_instant(c["at"]), c["id"]))["id"])
        refused = self._passages.get(p.get("ref")) if p["kind"] == "override" else None
        return ("served", refused["reason"] if refused else "")

    def _fold(self, p: Mapping[str, Any], sign: int, state: tuple) -> None:
        """Add (sign +1) or take back (-1) the contribution of `p` counted as `state`."""
        sh = self._bucket(p["service"])
        local = as_instant(p["at"]).astimezone(self._tz)
        slot = sh.by_slot.setdefault(slot_of(local), {"served": 0, "refusals": 0})
        medium = sh.by_medium.setdefault(p.get("medium") or "card", Counts())
        person = p["person_id"]
        if state[0] == "refused":
            medium.refusals += sign
            info = sh.refusals_by_reason.setdefault(p["reason"], {"count": 0, "overridden": 0})
            info["count"] += sign
            info["overridden"] += sign * state[1]
            slot["refusals"] += sign
            self._count(sh, person, p["station"], "refusals", sign)
            return
        if state[0] == "none":
            return
        row = {**person_row(person, self._data.persons), "at": local.strftime("%H:%M"), "station": p["station"],
               "passage_id": p["id"], "kind": p["kind"]}
        order = (as_instant(p["at"]), p["id"])
        if state[0] == "cancelled":
            sh.cancelled += sign
            cancel = self._passages[state[1]]
            self._row(sh, "cancellations", p["id"], sign, order, {
                **row, "staff_id": cancel.get("staff_id"), "staff": self._data.staff.get(cancel.get("staff_id"), ""),
                "motive": cancel.get("motive") or ""})
            return
        slot["served"] += sign
        medium.served += sign
        self._count(sh, person, p["station"], "served", sign)
        if person is not None:
            before = self._served.get((sh.code, person), 0)
            self._served[(sh.code, person)] = before + sign
            if before + sign == 0 or before == 0:
                self._now_served(sh, person, sign)
        if counts_as_double(p, state[1]):
            self._double(sh, person, p, sign)
        if p["kind"] == "override":
            self._count(sh, person, p["station"], "overrides", sign)
            self._row(sh, "overrides", p["id"], sign, order, {
                **row, "staff_id": p.get("staff_id"), "staff": self._data.staff.get(p.get("staff_id"), ""),
                "motive": p.get("motive") or "", "overridden_reason": state[1]})

    def _now_served(self, sh: ServiceHeadcount, person: int, sign: int) -> None:
        """`person` was just served for the first time (+1) or is no longer served (-1)."""
        basis = self._expected[sh.code].get(person)
        if basis is not None:
            self._count(sh, person, None, "no_shows", -sign)
            if sign > 0:
                del self._no_shows[sh.code][person]
            else:
                self._no_shows[sh.code][person] = _listed({**person_row(person, self._data.persons), "basis": basis})
            return
        row = person_row(person, self._data.persons)
        self._count(sh, person, None, "unexpected", sign)
        plan = row["plan"] or "inconnu"
        sh.unexpected_by_plan[plan] = sh.unexpected_by_plan.get(plan, 0) + sign
        if not sh.unexpected_by_plan[plan]:
            del sh.unexpected_by_plan[plan]
        if sign > 0:
            self._unexpected[sh.code][person] = _listed(row)
        else:
            del self._unexpected[sh.code][person]

    def _double(self, sh: ServiceHeadcount, person: int, p: Mapping[str, Any], sign: int) -> None:
        """`p` now counts (+1) or no longer counts (-1) toward `person`'s allowance: their entry in
        the double passages is made again from their passages (a few), as `compute` makes it."""
        key = (sh.code, person)
        served = self._allowance.setdefault(key, {})
        if sign > 0:
            served[p["id"]] = p
        else:
            del served[p["id"]]
        entry = double_entry(person, list(served.values()), self._data, self._tz)
        listed = self._doubles.setdefault(sh.code, {})
        if entry is None:
            listed.pop(person, None)
        else:
            listed[person] = _listed(entry)
        if not served:
            del self._allowance[key]

    def _count(self, sh: ServiceHeadcount, person: int | None, station: str | None, name: str, sign: int) -> None:
        """Change one figure in the service's totals and in its class, category (and station) group.
        A group exists while something counts in it, as in `compute`."""
        setattr(sh.totals, name, getattr(sh.totals, name) + sign)
        row = person_row(person, self._data.persons)
        keys = (row["class_name"], row["category"], station)
        for group, key in zip(_GROUPS, keys):
            if key is None:
                continue
            table = getattr(sh, group)
            counts = table.setdefault(key, Counts())
            setattr(counts, name, getattr(counts, name) + sign)
            touched = (sh.code, group, key)
            self._touched[touched] = self._touched.get(touched, 0) + sign
            if not self._touched[touched]:
                del self._touched[touched], table[key]

    def _row(self, sh: ServiceHeadcount, listing: str, pid: str, sign: int, order: tuple, row: dict) -> None:
        rows = self._rows.setdefault(sh.code, {}).setdefault(listing, {})
        if sign > 0:
            rows[pid] = (order, row)
        else:
            del rows[pid]

    # -- services --------------------------------------------------------------------------------

    def _bucket(self, code: str | None) -> ServiceHeadcount:
        key = code or OUT_OF_SERVICE
        if key not in self._services:
            if key in self._info:
                self._open(self._info[key])
            else:
                self._services[key] = ServiceHeadcount(key, key or "hors service", None, None, closed=self._closed)
                self._expected[key], self._no_shows[key], self._unexpected[key] = {}, {}, {}
        return self._services[key]

    def _open(self, svc: ServiceInfo) -> None:
        """A service counted today: its slots and its expected persons, all no-shows so far."""
        sh = ServiceHeadcount(svc.code, svc.label, svc.start.strftime("%H:%M"), svc.end.strftime("%H:%M"),
                              closed=self._closed)
        sh.by_slot = {s: {"served": 0, "refusals": 0} for s in service_slots(svc.start, svc.end)}
        expected, sh.excluded = expected_persons(self._data, svc)
        self._services[svc.code], self._expected[svc.code] = sh, expected
        self._no_shows[svc.code], self._unexpected[svc.code] = {}, {}
        for person, basis in expected.items():
            sh.expected_by_basis[basis] += 1
            self._count(sh, person, None, "expected", +1)
            self._count(sh, person, None, "no_shows", +1)
            self._no_shows[svc.code][person] = _listed({**person_row(person, self._data.persons), "basis": basis})

    # -- the figures -----------------------------------------------------------------------------

    def result(self) -> DayHeadcount:
        """The headcount as `compute` gives it: a new value, independent of later folding."""
        out = []
        for code, sh in self._services.items():
            rows = self._rows.get(code, {})
            out.append(ServiceHeadcount(
                sh.code, sh.label, sh.start, sh.end, closed=sh.closed, totals=copy(sh.totals),
                expected_by_basis=dict(sh.expected_by_basis), excluded=dict(sh.excluded), cancelled=sh.cancelled,
                refusals_by_reason={k: dict(v) for k, v in sh.refusals_by_reason.items()},
                unexpected_by_plan=dict(sh.unexpected_by_plan),
                by_class={k: copy(v) for k, v in sh.by_class.items()},
                by_category={k: copy(v) for k, v in sh.by_category.items()},
                by_station={k: copy(v) for k, v in sh.by_station.items()},
                by_slot={k: dict(v) for k, v in sh.by_slot.items()},
                by_medium={k: copy(v) for k, v in sh.by_medium.items()},
                no_shows=_in_order(self._no_shows[code]), unexpected=_in_order(self._unexpected[code]),
                overrides=_in_order(rows.get("overrides", {})),
                cancellations=_in_order(rows.get("cancellations", {})),
                doubles=_in_order(self._doubles.get(code, {}))))
        out.sort(key=lambda s: (s.start is None, s.start or "", s.code))
        totals = Counts()
        for sh in out:
            for name in totals.__dict__:
                setattr(totals, name, getattr(totals, name) + getattr(sh.totals, name))
        d = self._data
        return DayHeadcount(d.site_code, d.site_name, d.timezone, d.day, self._closed, out, totals)


def _listed(row: dict) -> tuple[tuple, dict]:
    """A row of the no-shows or the unexpected, with its place in the list (computed once: the
    French-order key is most of the cost of `result`)."""
    return listing_key(row), row


def _in_order(rows: dict[Any, tuple[tuple, dict]]) -> list[dict]:
    return [row for _key, row in sorted(rows.values(), key=lambda item: item[0])]
