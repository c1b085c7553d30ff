"""Site settings: the flat `{key: text}` map that `plateau admin site set` writes, typed and validated."""

from __future__ import annotations

from datetime import time

import pytest

from plateau.domain.policy import CategoryPolicy, PolicyError, SitePolicy, policy_from_settings, validate_setting


def test_empty_settings_give_the_defaults():
    p = policy_from_settings({})
    assert p == SitePolicy()
    assert p.default == CategoryPolicy()
    assert p.default.overdraft_cents == 0 and p.default.max_passages_per_service == 1
    assert p.default.forfait_off_day == "refuse" and p.default.no_reservation == "refuse"
    assert p.default.reservation_prepaid is True and p.default.max_meals_on_credit == -1
    assert p.cutoff_clock == time(0, 0) and not p.alsace_moselle


def test_demo_school_settings():
    p = policy_from_settings({"overdraft_cents": "0", "low_balance_cents": "800",
                              "category.commensal.overdraft_cents": "1000",
                              "category.eleve-ticket.overdraft_cents": "400",
                              "category.eleve-ticket.max_meals_on_credit": "1",
                              "cutoff_mode": "day_before", "cutoff_time": "18:00"})
    assert p.for_category("commensal").overdraft_cents == 1000
    # a category inherits every site-wide value it does not override
    assert p.for_category("commensal").low_balance_cents == 800
    assert p.for_category("eleve-ticket").max_meals_on_credit == 1
    assert p.for_category("eleve") is p.default and p.for_category(None) is p.default
    assert p.cutoff_clock == time(18, 0)


def test_category_override_inherits_defaults_whatever_the_key_order():
    a = policy_from_settings({"category.commensal.overdraft_cents": "1000", "low_balance_cents": "300"})
    b = policy_from_settings({"low_balance_cents": "300", "category.commensal.overdraft_cents": "1000"})
    assert a == b and a.for_category("commensal").low_balance_cents == 300


@pytest.mark.parametrize("key,value,typed", [
    ("overdraft_cents", "400", 400), ("overdraft_cents", 400, 400), ("max_meals_on_credit", "-1", -1),
    ("alsace_moselle", "oui", True), ("alsace_moselle", "false", False), ("alsace_moselle", True, True),
    ("reservation_prepaid", "no", False), ("forfait_off_day", "ticket", "ticket"),
    ("no_reservation", "surcharge", "surcharge"), ("cutoff_mode", "same_day", "same_day"),
    ("cutoff_time", "10:30", "10:30"), ("booking_horizon_days", " 60 ", 60),
    ("category.passager.max_passages_per_service", "2", 2), ("regime_plans", "29=ticket", "29=ticket"),
])
def test_valid_settings(key, value, typed):
    assert validate_setting(key, value) == typed


@pytest.mark.parametrize("key,value,needle", [
    ("overdraft", "400", "unknown setting 'overdraft'"),
    ("category.commensal.overdraft", "1", "unknown category setting"),
    ("category..overdraft_cents", "1", "unknown setting"),
    ("category.x.y.overdraft_cents", "1", "unknown setting"),
    ("overdraft_cents", "4,00", "expected a whole number"),
    ("overdraft_cents", "-1", "must not be negative"),
    ("overdraft_cents", True, "expected a whole number"),
    ("overdraft_cents", "9999999999", "expected a whole number"),
    ("low_balance_cents", "", "expected a whole number"),
    ("alsace_moselle", "maybe", "expected true or false"),
    ("forfait_off_day", "charge", "expected one of refuse, ticket"),
    ("no_reservation", "accept", "expected one of refuse, surcharge"),
    ("cutoff_mode", "week_before", "expected day_before"),
    ("cutoff_time", "24:00", "expected HH:MM"),
    ("cutoff_time", "9:00", "expected HH:MM"),
    ("max_passages_per_service", "0", "at least 1"),
    ("booking_horizon_days", "-5", "must not be negative"),
])
def test_invalid_settings_say_what_is_wrong(key, value, needle):
    with pytest.raises(PolicyError) as err:
        validate_setting(key, value)
    assert needle in str(err.value)
    assert "\n" not in str(err.value)


def test_a_bad_key_anywhere_refuses_the_whole_map():
    with pytest.raises(PolicyError):
        policy_from_settings({"overdraft_cents": "100", "category.eleve.forfait_off_day": "sometimes"})


def test_policies_are_immutable():
    p = policy_from_settings({})
    with pytest.raises(AttributeError):
        p.default.overdraft_cents = 5  # type: ignore[misc]


def test_a_station_reads_settings_of_a_newer_server_without_stopping():
    """A key only a newer server knows is skipped where the station reads the site (it would refuse
    every badge otherwise); the server itself still refuses unknown keys."""
    settings = {"overdraft_cents": 300, "setting_of_a_later_version": 5, "category.eleve.not_yet_known": 1}
    with pytest.raises(PolicyError):
        policy_from_settings(settings)
    assert policy_from_settings(settings, unknown_keys_ok=True).default.overdraft_cents == 300
