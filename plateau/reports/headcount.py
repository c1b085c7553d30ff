"""The day's headcount: expected, served, no-shows, unexpected and refusals, per service.

One pure computation used everywhere the figures appear: the station (from its replica,
`replica_source.load_day`), the server (all stations of a site, `plateau.server.headcount_source`),
the kiosk's manager view, the PDF and the CSV exports. Its only input is a `DayData`: plain
values in the wire format of `plateau.sync.protocol` (no SQLAlchemy, no Qt, no I/O), so the
station and the server cannot disagree on a number unless their data differ.

Definitions (per service open that day):
- expected: active persons with a reservation for the day and service, or a forfait registered
  for that weekday; nobody on a closed day (public holiday or closure); minus persons with an
  opposition overlapping the service's hours; minus inactive persons (archived, not arrived yet,
  left). Those exclusions are counted apart (`excluded`).
- served: accepted passages (badge, forgotten badge, override) not cancelled by a later linked
  `cancel` passage. Overrides are part of served and also counted and listed apart.
- no-shows: expected persons with no served passage; unexpected: served persons not expected.
- by medium: served and refused passages by how the pupil was identified ("card": a badge or staff
  by name; "phone": the phone badge's QR code);
- refusals: refused passages by reason; `overridden` says how many of them staff then let in,
  so a pupil refused then overridden appears in both the refusals and the served figures.
- double passages ("passages en double"): persons served more times than their category's
  `max_passages_per_service` allows (the site policy the station's rule 6 applies). Online, the
  station refuses them `already_served`; two stations offline at once (or a phone code replayed at
  a second offline station) may each accept the same pupil, and both passages are kept. Each entry
  lists the passages involved; those beyond the allowance, in time order, are the `extra` ones.
  An override of an `already_served` refusal is staff letting the pupil in knowingly: it is
  counted in served and overrides, not as a double.
Everything is also broken down by class, category, station and 15-minute slot (local time).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any, Mapping, Sequence
from zoneinfo import ZoneInfo

from plateau.domain.collation import name_key, text_key
from plateau.domain.holidays import holiday_name
from plateau.domain.policy import SitePolicy
from plateau.domain.services import ServiceInfo

SLOT_MINUTES = 15
NO_CLASS = ""          # adults and pupils without a class
UNKNOWN = "?"          # refusals of unknown badges: no person, no class, no category
OUT_OF_SERVICE = ""    # code of the bucket for passages recorded outside any service

SERVED_KINDS = ("badge", "forgotten", "override")


@dataclass(frozen=True)
class DayData:
    """Everything the headcount of one day at one site needs, in wire format.

    - `persons`: person id -> dict with the fields of the wire `person` kind (all persons of the
      site, or at least every person with a reservation, a forfait or a passage that day);
    - `reservations`: wire `reservation` dicts (`person_id`, `date`, `service`) of the day;
    - `oppositions`: wire `opposition` dicts overlapping the day (`starts_at`/`ends_at` ISO instants);
    - `closures`: wire `closure` dicts covering the day (`first_day`/`last_day`, `label`);
    - `passages`: wire passage dicts (`plateau.sync.protocol.PASSAGE_FIELDS`) whose `local_date`
      is the day, from every station known to the source;
    - `staff`: staff id -> name, to name who overrode (optional).
    Extra rows outside the day are ignored, so a source may pass a little more than needed.
    A plain immutable value: built on the source's thread, read on any.
    """

    site_code: str
    site_name: str
    timezone: str
    day: date
    services: Sequence[ServiceInfo]
    policy: SitePolicy
    persons: Mapping[int, Mapping[str, Any]]
    reservations: Sequence[Mapping[str, Any]] = ()
    oppositions: Sequence[Mapping[str, Any]] = ()
    closures: Sequence[Mapping[str, Any]] = ()
    passages: Sequence[Mapping[str, Any]] = ()
    staff: Mapping[int, str] = field(default_factory=dict)


@dataclass
class Counts:
    """The figures of one group (a service, a class, a category, a station). A plain value."""

    expected: int = 0
    served: int = 0        # meals: accepted passages net of cancellations (overrides included)
    no_shows: int = 0
    unexpected: int = 0
    overrides: int = 0
    refusals: int = 0

    def to_json(self) -> dict:
        return dict(self.__dict__)


@dataclass
class ServiceHeadcount:
    """The headcount of one service (or of the passages recorded outside any service).
    Built by `compute` on the caller's thread; a plain value afterwards."""

    code: str
    label: str
    start: str | None
    end: str | None
    closed: str | None = None                 # why the canteen was closed that day, if it was
    totals: Counts = field(default_factory=Counts)
    expected_by_basis: dict[str, int] = field(default_factory=lambda: {"forfait": 0, "reservation": 0})
    excluded: dict[str, int] = field(default_factory=lambda: {"closed": 0, "opposition": 0, "inactive": 0})
    cancelled: int = 0
    refusals_by_reason: dict[str, dict[str, int]] = field(default_factory=dict)
    unexpected_by_plan: dict[str, int] = field(default_factory=dict)
    by_class: dict[str, Counts] = field(default_factory=dict)
    by_category: dict[str, Counts] = field(default_factory=dict)
    by_station: dict[str, Counts] = field(default_factory=dict)
    by_slot: dict[str, dict[str, int]] = field(default_factory=dict)   # "HH:MM" -> served, refusals
    # how pupils were identified: "card" (a badge, or staff by name) or "phone" (the phone badge)
    by_medium: dict[str, Counts] = field(default_factory=dict)  # medium -> served, refusals
    no_shows: list[dict] = field(default_factory=list)
    unexpected: list[dict] = field(default_factory=list)
    overrides: list[dict] = field(default_factory=list)
    cancellations: list[dict] = field(default_factory=list)
    # persons served more times than allowed (offline stations): see `double_entry`
    doubles: list[dict] = field(default_factory=list)

    def to_json(self) -> dict:
        return {
            "code": self.code, "label": self.label, "start": self.start, "end": self.end, "closed": self.closed,
            **self.totals.to_json(),
            "expected_by_basis": dict(self.expected_by_basis), "excluded": dict(self.excluded),
            "cancelled": self.cancelled,
            "refusals_by_reason": {k: dict(v) for k, v in sorted(self.refusals_by_reason.items())},
            "unexpected_by_plan": dict(sorted(self.unexpected_by_plan.items())),
            "by_class": {k: v.to_json() for k, v in sorted(self.by_class.items())},
            "by_category": {k: v.to_json() for k, v in sorted(self.by_category.items())},
            "by_station": {k: v.to_json() for k, v in sorted(self.by_station.items())},
            "by_slot": [{"slot": k, **v} for k, v in sorted(self.by_slot.items())],
            "by_medium": {k: {"served": v.served, "refusals": v.refusals} for k, v in sorted(self.by_medium.items())},
            "no_shows": list(self.no_shows), "unexpected": list(self.unexpected),
            "overrides": list(self.overrides), "cancellations": list(self.cancellations),
            "doubles": list(self.doubles),
        }


@dataclass
class DayHeadcount:
    """The headcount of one day at one site: one entry per service, and the day's totals.
    A plain value (the kiosk's manager view may pass it from a worker thread to the UI)."""

    site_code: str
    site_name: str
    timezone: str
    day: date
    closed: str | None
    services: list[ServiceHeadcount]
    totals: Counts

    def service(self, code: str) -> ServiceHeadcount:
        return next(s for s in self.services if s.code == code)

    @property
    def doubles(self) -> int:
        """Persons served more times than allowed, summed over the services."""
        return sum(len(s.doubles) for s in self.services)

    def to_json(self) -> dict:
        return {"site": self.site_code, "site_name": self.site_name, "timezone": self.timezone,
                "date": self.day.isoformat(), "closed": self.closed, **self.totals.to_json(),
                "doubles": self.doubles, "services": [s.to_json() for s in self.services]}


# -- helpers ---------------------------------------------------------------------------------

def as_date(value: Any) -> date | None:
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value.date()
    return value if isinstance(value, date) else date.fromisoformat(str(value))


def as_instant(value: Any) -> datetime:
    out = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
    if out.tzinfo is None or out.utcoffset() is None:
        raise ValueError(f"instant without a time zone: {value!r}")
    return out


def _weekdays(text: Any) -> frozenset[int]:
    from plateau.domain.services import parse_weekdays

    if isinstance(text, (set, frozenset)):
        return frozenset(text)
    return parse_weekdays(text or "")


def closed_label(data: DayData) -> str | None:
    """Why the canteen is closed on the day (public holiday or closure), else None."""
    name = holiday_name(data.day, data.policy.alsace_moselle)
    if name:
        return name
    for c in data.closures:
        first, last = as_date(c["first_day"]), as_date(c["last_day"])
        if first is not None and last is not None and first <= data.day <= last:
            return c.get("label") or "fermeture"
    return None


def is_active(person: Mapping[str, Any], day: date) -> bool:
    """Active on `day`: not archived, arrived, not left (`leaving_date` is the last day present)."""
    if person.get("status", "active") != "active":
        return False
    arrival, leaving = as_date(person.get("arrival_date")), as_date(person.get("leaving_date"))
    return not ((arrival is not None and day < arrival) or (leaving is not None and day > leaving))


def slot_of(local: datetime) -> str:
    minute = local.minute - local.minute % SLOT_MINUTES
    return f"{local.hour:02d}:{minute:02d}"


def service_slots(start: time, end: time) -> list[str]:
    out, t = [], datetime.combine(date(2000, 1, 1), start)
    stop = datetime.combine(date(2000, 1, 1), end)
    while t < stop:
        out.append(slot_of(t))
        t += timedelta(minutes=SLOT_MINUTES)
    return out


def person_row(pid: int | None, persons: Mapping[int, Mapping[str, Any]]) -> dict:
    """The identity columns shown in lists (no-shows, overrides, CSV)."""
    p = persons.get(pid) if pid is not None else None
    if p is None:
        return {"person_id": pid, "external_id": None, "last_name": "" if pid is None else f"#{pid}",
                "first_name": "", "class_name": UNKNOWN if pid is None else NO_CLASS,
                "category": UNKNOWN if pid is None else "", "plan": ""}
    return {"person_id": pid, "external_id": p.get("external_id"), "last_name": p.get("last_name", ""),
            "first_name": p.get("first_name", ""), "class_name": p.get("class_name") or NO_CLASS,
            "category": p.get("category") or "", "plan": p.get("plan") or ""}


def listing_key(row: dict) -> tuple:
    """Class by class (no class last), then names in French order (BÉNARD before BRUN)."""
    return (not row["class_name"], text_key(row["class_name"]),
            name_key(row["last_name"], row["first_name"], row["person_id"] or 0))


def counts_as_double(p: Mapping[str, Any], overridden_reason: str) -> bool:
    """Whether a served passage counts toward the person's allowance: every one except an
    override of an `already_served` refusal (staff let the pupil in again knowingly)."""
    return p["person_id"] is not None and not (p["kind"] == "override" and overridden_reason == "already_served")


def double_entry(pid: int, served: Sequence[Mapping[str, Any]], data: DayData, tz: ZoneInfo) -> dict | None:
    """The double-passages entry of `pid` in one service, given its served passages (those for
    which `counts_as_double`), or None when they are within the allowance of the person's category."""
    person = data.persons.get(pid) or {}
    allowed = data.policy.for_category(person.get("category")).max_passages_per_service
    if len(served) <= allowed:
        return None
    ordered = sorted(served, key=lambda p: (as_instant(p["at"]), p["id"]))
    rows = [{"passage_id": p["id"], "at": as_instant(p["at"]).astimezone(tz).strftime("%H:%M:%S"),
             "station": p["station"], "medium": p.get("medium") or "card", "kind": p["kind"],
             "price_cents": int(p.get("price_cents") or 0), "extra": i >= allowed}
            for i, p in enumerate(ordered)]
    return {**person_row(pid, data.persons), "allowed": allowed, "served": len(rows),
            "stations": sorted({r["station"] for r in rows}),
            "extra_cents": sum(r["price_cents"] for r in rows if r["extra"]), "passages": rows}


# -- the computation -------------------------------------------------------------------------

def expected_persons(data: DayData, service: ServiceInfo) -> tuple[dict[int, str], dict[str, int]]:
    """Persons expected at `service` on the day -> basis (forfait | reservation), and the
    numbers excluded (closed day, opposition, inactive). Used by the headcount and the forecast."""
    tz = ZoneInfo(data.timezone)
    excluded = {"closed": 0, "opposition": 0, "inactive": 0}
    candidates: dict[int, str] = {}
    day_iso = data.day.isoformat()
    for r in data.reservations:
        if r["service"] == service.code and str(as_date(r["date"])) == day_iso:
            candidates[int(r["person_id"])] = "reservation"
    if data.day.weekday() in service.weekdays:
        for pid, p in data.persons.items():
            if p.get("plan") == "forfait" and data.day.weekday() in _weekdays(p.get("forfait_days")):
                candidates.setdefault(int(pid), "forfait")
    if closed_label(data) is not None:
        excluded["closed"] = len(candidates)
        return {}, excluded
    win_start = datetime.combine(data.day, service.start, tz)
    win_end = datetime.combine(data.day, service.end, tz)
    opposed = {int(o["person_id"]) for o in data.oppositions
               if as_instant(o["starts_at"]) < win_end and as_instant(o["ends_at"]) > win_start}
    out: dict[int, str] = {}
    for pid, basis in candidates.items():
        person = data.persons.get(pid)
        if person is None or not is_active(person, data.day):
            excluded["inactive"] += 1
        elif pid in opposed:
            excluded["opposition"] += 1
        else:
            out[pid] = basis
    return out, excluded


def compute(data: DayData) -> DayHeadcount:
    """The headcount of `data.day`. Pure: same input, same figures, on station and server."""
    tz = ZoneInfo(data.timezone)
    closed = closed_label(data)
    day_iso = data.day.isoformat()
    passages = [p for p in data.passages if str(as_date(p["local_date"])) == day_iso]
    by_id = {p["id"]: p for p in passages}
    cancelled_ids = {p["ref"]: p for p in passages if p["kind"] == "cancel" and p.get("ref") in by_id}
    overridden_ids = {p["ref"] for p in passages if p["kind"] == "override" and p.get("ref")}

    services: dict[str, ServiceHeadcount] = {}
    expected: dict[str, dict[int, str]] = {}
    for svc in sorted(data.services, key=lambda s: s.start):
        if data.day.weekday() not in svc.weekdays and not any(p["service"] == svc.code for p in passages):
            continue
        sh = ServiceHeadcount(svc.code, svc.label, svc.start.strftime("%H:%M"), svc.end.strftime("%H:%M"),
                              closed=closed)
        sh.by_slot = {s: {"served": 0, "refusals": 0} for s in service_slots(svc.start, svc.end)}
        expected[svc.code], sh.excluded = expected_persons(data, svc)
        for basis in expected[svc.code].values():
            sh.expected_by_basis[basis] += 1
        services[svc.code] = sh

    def bucket(code: str | None) -> ServiceHeadcount:
        key = code or OUT_OF_SERVICE
        if key not in services:
            services[key] = ServiceHeadcount(key, key or "hors service", None, None, closed=closed)
            expected[key] = {}
        return services[key]

    def groups(sh: ServiceHeadcount, pid: int | None, station: str | None = None) -> list[Counts]:
        row = person_row(pid, data.persons)
        out = [sh.totals, sh.by_class.setdefault(row["class_name"], Counts()),
               sh.by_category.setdefault(row["category"], Counts())]
        if station is not None:
            out.append(sh.by_station.setdefault(station, Counts()))
        return out

    served_persons: dict[str, set[int]] = {}
    counted: dict[str, dict[int, list]] = {}   # service -> person -> passages toward the allowance
    for p in sorted(passages, key=lambda p: (as_instant(p["at"]), p["id"])):
        sh = bucket(p["service"])
        local = as_instant(p["at"]).astimezone(tz)
        slot = sh.by_slot.setdefault(slot_of(local), {"served": 0, "refusals": 0})
        pid = p["person_id"]
        medium = sh.by_medium.setdefault(p.get("medium") or "card", Counts())
        if not p["accepted"]:
            medium.refusals += 1
            info = sh.refusals_by_reason.setdefault(p["reason"], {"count": 0, "overridden": 0})
            info["count"] += 1
            info["overridden"] += p["id"] in overridden_ids
            slot["refusals"] += 1
            for c in groups(sh, pid, p["station"]):
                c.refusals += 1
            continue
        if p["kind"] not in SERVED_KINDS:
            continue  # a cancellation: acts through cancelled_ids
        cancel = cancelled_ids.get(p["id"])
        row = {**person_row(pid, data.persons), "at": local.strftime("%H:%M"), "station": p["station"],
               "passage_id": p["id"], "kind": p["kind"]}
        if cancel is not None:
            sh.cancelled += 1
            sh.cancellations.append({**row, "staff_id": cancel.get("staff_id"),
                                     "staff": data.staff.get(cancel.get("staff_id"), ""),
                                     "motive": cancel.get("motive") or ""})
            continue
        slot["served"] += 1
        medium.served += 1
        for c in groups(sh, pid, p["station"]):
            c.served += 1
        if pid is not None:
            served_persons.setdefault(sh.code, set()).add(pid)
        refused = by_id.get(p.get("ref")) if p["kind"] == "override" else None
        if counts_as_double(p, refused["reason"] if refused else ""):
            counted.setdefault(sh.code, {}).setdefault(pid, []).append(p)
        if p["kind"] == "override":
            for c in groups(sh, pid, p["station"]):
                c.overrides += 1
            sh.overrides.append({**row, "staff_id": p.get("staff_id"),
                                 "staff": data.staff.get(p.get("staff_id"), ""), "motive": p.get("motive") or "",
                                 "overridden_reason": refused["reason"] if refused else ""})

    for code, sh in services.items():
        exp, served = expected[code], served_persons.get(code, set())
        for pid, basis in exp.items():
            for c in groups(sh, pid):
                c.expected += 1
            if pid not in served:
                for c in groups(sh, pid):
                    c.no_shows += 1
                sh.no_shows.append({**person_row(pid, data.persons), "basis": basis})
        for pid in served - exp.keys():
            row = person_row(pid, data.persons)
            for c in groups(sh, pid):
                c.unexpected += 1
            plan = row["plan"] or "inconnu"
            sh.unexpected_by_plan[plan] = sh.unexpected_by_plan.get(plan, 0) + 1
            sh.unexpected.append(row)
        for pid, served_passages in counted.get(code, {}).items():
            entry = double_entry(pid, served_passages, data, tz)
            if entry is not None:
                sh.doubles.append(entry)
        sh.no_shows.sort(key=listing_key)
        sh.unexpected.sort(key=listing_key)
        sh.doubles.sort(key=listing_key)

    ordered = sorted(services.values(), key=lambda s: (s.start is None, s.start or "", s.code))
    totals = Counts()
    for sh in ordered:
        for name in totals.__dict__:
            setattr(totals, name, getattr(totals, name) + getattr(sh.totals, name))
    return DayHeadcount(data.site_code, data.site_name, data.timezone, data.day, closed, ordered, totals)
