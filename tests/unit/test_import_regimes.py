"""The régime -> plan mapping and its site setting."""

from __future__ import annotations

import pytest

from plateau.domain.policy import PolicyError, validate_setting
from plateau.domain.regimes import DEFAULT_PLANS, RegimeMappingError, mapping_for_site, parse_mapping, plan_for


def test_defaults_follow_the_documented_reading():
    m = mapping_for_site(None)
    assert plan_for("24", m).forfait_days == "mon,tue,thu,fri"
    assert plan_for("21", m).forfait_days == "?"
    assert plan_for("29", m).plan == "ticket"
    assert plan_for("0", m).plan == plan_for("1", m).plan == plan_for("6", m).plan == "none"
    assert all(plan_for(code, m).plan == "forfait" for code in ("3", "31", "38", "4", "5"))
    assert plan_for("", m) is None and plan_for("x", m) is None
    guessed = plan_for("27", m)
    assert guessed.guessed and guessed.plan == "forfait"


def test_site_overrides_win_and_are_normalised():
    m = mapping_for_site("21 = forfait:mercredi ; 29=reservation\n6=ticket")
    assert plan_for("21", m).forfait_days == "wed"
    assert plan_for("29", m).plan == "reservation" and plan_for("6", m).plan == "ticket"
    assert plan_for("24", m).forfait_days == DEFAULT_PLANS["24"].split(":")[1]


@pytest.mark.parametrize("text", ["29", "x=ticket", "29=buffet", "24=forfait", "24=forfait:funday", "29=ticket:mon"])
def test_bad_mappings_are_refused_with_the_code(text):
    with pytest.raises(RegimeMappingError):
        parse_mapping(text)
    with pytest.raises(PolicyError, match="regime_plans"):
        validate_setting("regime_plans", text)
