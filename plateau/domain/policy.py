"""Site policies: every rule of the station is a site setting, per category where it matters.

Settings travel as a flat ``{key: text}`` mapping (what ``plateau admin site set UAI KEY=VALUE``
writes, what the server sends to stations). A key applies to every category, or to one category
when prefixed ``category.<name>.``, e.g. ``category.commensal.overdraft_cents=0``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, fields, replace
from datetime import time
from typing import Any, Mapping


class PolicyError(ValueError):
    """A setting with an unknown key or an invalid value (message for a person: English words,
    plus `code` and `params` when it has them, for the office to word it in its page's language)."""

    def __init__(self, message: str, code: str | None = None, **params: Any):
        super().__init__(message)
        self.code, self.params = code, params


@dataclass(frozen=True)
class CategoryPolicy:
    """What the station applies to one category of persons."""

    overdraft_cents: int = 0               # a ticket balance may go down to -overdraft
    max_meals_on_credit: int = -1          # meals owed while negative; -1 = no limit
    low_balance_cents: int = 500           # warn when the balance after is below this
    max_passages_per_service: int = 1      # some categories (staff on duty) may pass twice
    forfait_off_day: str = "refuse"        # refuse | ticket: forfait pupil on a non-registered day
    no_reservation: str = "refuse"         # refuse | surcharge: reservation plan without a booking
    unreserved_surcharge_cents: int = 0    # majoration added when accepted without a booking
    reservation_prepaid: bool = True       # reservations were debited at booking


_CHOICES = {"forfait_off_day": ("refuse", "ticket"), "no_reservation": ("refuse", "surcharge")}
_CATEGORY_KEYS = {f.name: f for f in fields(CategoryPolicy)}
_HHMM = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)$")


@dataclass(frozen=True)
class SitePolicy:
    """All settings of a site. The station reads the category part; the server the cutoffs."""

    default: CategoryPolicy = field(default_factory=CategoryPolicy)
    categories: Mapping[str, CategoryPolicy] = field(default_factory=dict)
    alsace_moselle: bool = False
    # Reservation cutoffs (server side). cutoff_mode: day_before | same_day | days_ahead
    cutoff_mode: str = "day_before"
    cutoff_time: str = "00:00"             # day_before at HH:MM (00:00 = midnight the night before)
    cutoff_days: int = 1                   # days_ahead: N days before, at cutoff_time
    booking_horizon_days: int = 60
    regime_plans: str = ""                 # SIÈCLE régime mapping overrides, "21=forfait:mon,tue;29=ticket"
    topup_min_cents: int = 1000            # the smallest online top-up a family may make
    # server side: a pushed price is accepted if the tariff had it at some moment in the last N days
    # (a station offline for a few days still charges the tariff it holds)
    price_history_days: int = 7
    # the phone as a badge (plateau.domain.phone_badge): families may turn it on for their children
    phone_badge: bool = False
    phone_badge_digits: int = 6            # digits of the one-time code (6 to 8)

    def for_category(self, category: str | None) -> CategoryPolicy:
        return self.categories.get(category or "", self.default)

    @property
    def cutoff_clock(self) -> time:
        h, m = self.cutoff_time.split(":")
        return time(int(h), int(m))


_SITE_KEYS = {"alsace_moselle": bool, "cutoff_mode": str, "cutoff_time": str, "cutoff_days": int,
              "booking_horizon_days": int, "regime_plans": str, "topup_min_cents": int,
              "price_history_days": int, "phone_badge": bool, "phone_badge_digits": int}


def _convert(key: str, kind: Any, raw: Any) -> Any:
    text = str(raw).strip()
    if kind is bool or kind == "bool":
        if isinstance(raw, bool):
            return raw
        if text.lower() in ("1", "true", "yes", "oui", "on"):
            return True
        if text.lower() in ("0", "false", "no", "non", "off"):
            return False
        raise PolicyError(f"{key}: expected true or false, got {text!r}", "policy_not_bool", key=key, value=text)
    if kind is int or kind == "int":
        if isinstance(raw, bool) or not re.fullmatch(r"-?\d{1,9}", text):
            raise PolicyError(f"{key}: expected a whole number, got {text!r}", "policy_not_int", key=key, value=text)
        return int(text)
    return text


def _check(key: str, name: str, value: Any) -> None:
    if name in _CHOICES and value not in _CHOICES[name]:
        raise PolicyError(f"{key}: expected one of {', '.join(_CHOICES[name])}, got {value!r}", "policy_not_a_choice",
                          key=key, choices=", ".join(_CHOICES[name]), value=str(value))
    if name == "cutoff_mode" and value not in ("day_before", "same_day", "days_ahead"):
        raise PolicyError(f"{key}: expected day_before, same_day or days_ahead, got {value!r}", "policy_not_a_choice",
                          key=key, choices="day_before, same_day, days_ahead", value=str(value))
    if name == "cutoff_time" and not _HHMM.match(value):
        raise PolicyError(f"{key}: expected HH:MM, got {value!r}", "policy_not_hhmm", key=key, value=str(value))
    if name in ("overdraft_cents", "low_balance_cents", "unreserved_surcharge_cents",
                "cutoff_days", "booking_horizon_days", "topup_min_cents", "price_history_days") and value < 0:
        raise PolicyError(f"{key}: must not be negative", "policy_negative", key=key)
    if name == "phone_badge_digits" and not 6 <= value <= 8:
        raise PolicyError(f"{key}: must be 6, 7 or 8", "policy_digits", key=key)
    if name == "max_passages_per_service" and value < 1:
        raise PolicyError(f"{key}: must be at least 1", "policy_below_one", key=key)
    if name == "regime_plans":
        from plateau.domain.regimes import RegimeMappingError, parse_mapping

        try:
            parse_mapping(value)
        except RegimeMappingError as exc:
            raise PolicyError(str(exc)) from None


def is_known_setting(key: str) -> bool:
    parts = key.split(".")
    if len(parts) == 3 and parts[0] == "category" and parts[1]:
        return parts[2] in _CATEGORY_KEYS
    return len(parts) == 1 and (parts[0] in _CATEGORY_KEYS or parts[0] in _SITE_KEYS)


def validate_setting(key: str, value: Any) -> Any:
    """Check one ``key=value`` and return the typed value; raise PolicyError otherwise."""
    parts = key.split(".")
    if len(parts) == 3 and parts[0] == "category" and parts[1]:
        name = parts[2]
        if name not in _CATEGORY_KEYS:
            raise PolicyError(f"unknown category setting {name!r} in {key!r}")
        typed = _convert(key, _CATEGORY_KEYS[name].type, value)
    elif len(parts) == 1 and parts[0] in _CATEGORY_KEYS:
        name = parts[0]
        typed = _convert(key, _CATEGORY_KEYS[name].type, value)
    elif len(parts) == 1 and parts[0] in _SITE_KEYS:
        name = parts[0]
        typed = _convert(key, _SITE_KEYS[name], value)
    else:
        known = sorted([*_CATEGORY_KEYS, *_SITE_KEYS])
        raise PolicyError(f"unknown setting {key!r} (known: {', '.join(known)}, "
                          "or category.<name>.<setting>)")
    _check(key, name, typed)
    return typed


def policy_from_settings(settings: Mapping[str, Any], *, unknown_keys_ok: bool = False) -> SitePolicy:
    """Build the typed policy from the flat settings; raise PolicyError on any bad key or value.

    `unknown_keys_ok`: skip the keys this version does not know (a station reading what a newer
    server sent: a setting only the newer server uses must not stop an older kiosk)."""
    default_kw: dict[str, Any] = {}
    site_kw: dict[str, Any] = {}
    per_cat: dict[str, dict[str, Any]] = {}
    for key, raw in settings.items():
        if unknown_keys_ok and not is_known_setting(key):
            continue
        typed = validate_setting(key, raw)
        parts = key.split(".")
        if len(parts) == 3:
            per_cat.setdefault(parts[1], {})[parts[2]] = typed
        elif parts[0] in _CATEGORY_KEYS:
            default_kw[parts[0]] = typed
        else:
            site_kw[parts[0]] = typed
    default = CategoryPolicy(**default_kw)
    categories = {name: replace(default, **kw) for name, kw in per_cat.items()}
    return SitePolicy(default=default, categories=categories, **site_kw)
