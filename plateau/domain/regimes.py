"""SIÈCLE régime codes -> canteen plans, with the mapping as a site setting (`regime_plans`).

Our reading of the codes (the 21-26 meaning is common practice, not confirmed by
a published nomenclature, so every default below can be overridden per site):

====== ===================================== ==========================================
code   SIÈCLE                                default plan
====== ===================================== ==========================================
0, 1   externe libre / surveillé             none (no meal)
2      demi-pensionnaire (DP)                forfait mon-fri (the site's services decide
                                             which of those days actually have a meal)
21-23  DP 1, 2, 3 jours                      forfait, weekdays unknown: SIÈCLE gives the
                                             count, not the days. Existing days are kept;
                                             a new pupil gets mon-fri and is flagged.
24     DP 4 jours                            forfait mon,tue,thu,fri (the usual 4 days)
25     DP 5 jours                            forfait mon-fri
26     DP 6 jours                            forfait mon-sat
29     DP au ticket                          ticket
3, 31-38  interne (1-6 jours, demi-interne)  forfait mon-fri (36: mon-sat)
39     interne week-end                      forfait every day
4, 5   interne externé / hébergé             forfait mon-fri
6      DP hors établissement                 none (eats elsewhere)
other  unknown code                          by its first digit, flagged
====== ===================================== ==========================================

The setting overrides any code: ``regime_plans = "21=forfait:wed;29=reservation;6=ticket"``.
A plan is ``none``, ``ticket``, ``reservation``, ``forfait:<weekdays>`` or ``forfait:?`` (weekdays
unknown: keep the person's, else mon-fri, flagged).
"""

from __future__ import annotations

from dataclasses import dataclass

from plateau.domain.services import WeekdaysError, format_weekdays, parse_weekdays

WEEK = "mon,tue,wed,thu,fri"
UNKNOWN_DAYS = "?"

DEFAULT_PLANS: dict[str, str] = {
    "0": "none", "1": "none",
    "2": f"forfait:{WEEK}", "20": f"forfait:{WEEK}",
    "21": "forfait:?", "22": "forfait:?", "23": "forfait:?",
    "24": "forfait:mon,tue,thu,fri", "25": f"forfait:{WEEK}", "26": "forfait:mon,tue,wed,thu,fri,sat",
    "29": "ticket",
    "3": f"forfait:{WEEK}", "30": f"forfait:{WEEK}", "31": f"forfait:{WEEK}", "32": f"forfait:{WEEK}",
    "33": f"forfait:{WEEK}", "34": f"forfait:{WEEK}", "35": f"forfait:{WEEK}",
    "36": "forfait:mon,tue,wed,thu,fri,sat", "38": f"forfait:{WEEK}",
    "39": "forfait:mon,tue,wed,thu,fri,sat,sun",
    "4": f"forfait:{WEEK}", "5": f"forfait:{WEEK}", "6": "none",
}


class RegimeMappingError(ValueError):
    """A `regime_plans` setting that cannot be read (message for a person)."""


@dataclass(frozen=True)
class PlanChoice:
    """What a régime code means at this site."""

    plan: str                    # none | ticket | reservation | forfait
    forfait_days: str | None     # 'mon,tue,thu,fri', or None; UNKNOWN_DAYS when SIÈCLE does not say
    guessed: bool = False        # unknown code read by its first digit


def _check_plan(code: str, plan: str) -> str:
    name, _, days = plan.partition(":")
    if name in ("none", "ticket", "reservation") and not days:
        return name
    if name == "forfait" and days:
        if days == UNKNOWN_DAYS:
            return plan
        try:
            parsed = parse_weekdays(days)
        except WeekdaysError as exc:
            raise RegimeMappingError(f"regime_plans: code {code}: {exc}") from None
        if parsed:
            return f"forfait:{format_weekdays(parsed)}"
    raise RegimeMappingError(f"regime_plans: code {code}: plan {plan!r} is not none, ticket, reservation, "
                             "forfait:<weekdays> or forfait:?")


def parse_mapping(text: str) -> dict[str, str]:
    """'21=forfait:wed;29=ticket' -> {'21': 'forfait:wed', '29': 'ticket'} (checked)."""
    out: dict[str, str] = {}
    for part in (text or "").replace("\n", ";").split(";"):
        if not part.strip():
            continue
        code, sep, plan = part.partition("=")
        code, plan = code.strip(), plan.strip().lower().replace(" ", "")
        if not sep or not code.isdigit() or len(code) > 3:
            raise RegimeMappingError(f"regime_plans: {part.strip()!r} is not CODE=PLAN (e.g. 29=ticket)")
        out[code] = _check_plan(code, plan)
    return out


def mapping_for_site(setting: str | None) -> dict[str, str]:
    return {**DEFAULT_PLANS, **parse_mapping(setting or "")}


def plan_for(code: str | None, mapping: dict[str, str]) -> PlanChoice | None:
    """The plan of régime `code` (None when the code is missing or unusable)."""
    code = (code or "").strip()
    if not code.isdigit():
        return None
    guessed = False
    plan = mapping.get(code) or mapping.get(code.lstrip("0") or "0")
    if plan is None:
        plan = mapping.get(code[0])
        guessed = True
    if plan is None:
        return None
    name, _, days = plan.partition(":")
    return PlanChoice(name, days or None, guessed)
