"""The office's pure parts: French order and folding, desk amounts, the role table, money on screen
(sign-in throttling, kept in the database, is tested in tests/integration/server/test_throttle.py)."""

from __future__ import annotations

import pytest

from plateau.server.web.collation import fold, french_key
from plateau.server.web.office.person_actions import FormProblem, desk_amount
from plateau.server.web.office.roles import PAGES, PERMISSIONS, ROLES, allowed
from plateau.server.web.templating import euros


def test_names_sort_in_french_order_with_accents_case_and_hyphens_ignored():
    names = ["Zola", "Émile", "ebert", "Eberhardt", "Le Gall", "Legrand", "Œuvray", "Oeste", "Durand-Léger",
             "Durand", "Éloïse", "Elodie"]
    assert sorted(names, key=french_key) == ["Durand", "Durand-Léger", "Eberhardt", "ebert", "Elodie", "Éloïse",
                                             "Émile", "Le Gall", "Legrand", "Oeste", "Œuvray", "Zola"]
    assert fold("Éloïse LE BŒUF") == "eloise le boeuf"
    # ties broken by the spelling, so the order is total and stable
    same = ["Éric", "eric", "Eric", "éric"]
    assert sorted(same, key=french_key) == sorted(reversed(same), key=french_key) == ["Eric", "eric", "Éric", "éric"]


@pytest.mark.parametrize("typed, cents", [("12,50", 1250), ("12.5", 1250), ("12,50 €", 1250), ("7", 700),
                                          (" 0,05 ", 5), ("10000", 1_000_000)])
def test_desk_amounts_in_euros_with_comma_or_point(typed, cents):
    assert desk_amount(typed) == cents


@pytest.mark.parametrize("typed, problem", [("", "write an amount"), ("douze", "write an amount"),
                                            ("0", "more than zero"), ("-5", "more than zero"),
                                            ("12,505", "at most 2 decimals"), ("10000,01", "too large"),
                                            ("1.234,50", "write an amount")])
def test_desk_amounts_refused_with_a_reason(typed, problem):
    with pytest.raises(FormProblem, match=problem):
        desk_amount(typed)


def test_the_role_table_covers_every_page_and_keeps_money_from_the_kitchen_and_vie_scolaire():
    assert set(ROLES) == {"admin", "gestionnaire", "vie_scolaire", "cuisine"}
    assert {perm for _m, _p, perm, _f in PAGES} <= set(PERMISSIONS)
    assert all(allowed("admin", perm) for perm in PERMISSIONS)
    assert not allowed("cuisine", "balances") and allowed("cuisine", "today") and allowed("cuisine", "reports")
    assert allowed("vie_scolaire", "oppositions") and not allowed("vie_scolaire", "payments")
    assert allowed("vie_scolaire", "import_oppositions") and not allowed("vie_scolaire", "imports")
    assert all(allowed("gestionnaire", p) for p in ("persons", "balances", "payments", "imports"))
    assert not allowed("gestionnaire", "audit") and not allowed("gestionnaire", "stations")


def test_money_on_screen():
    assert euros(123456) == "1\u202f234,56\u00a0€" and euros(-50) == "-0,50\u00a0€"
    assert euros(1250, "en") == "€12.50" and euros(None) == "—"


def test_week_patterns_every_week_every_other_week_and_listed_weeks():
    from datetime import date

    from plateau.server.web.office.bulk_bookings import Pattern, PatternError, parse_pattern

    mon_thu = frozenset({0, 3})
    span = (date(2027, 1, 4), date(2027, 1, 31))
    assert [d.day for d in Pattern(mon_thu, *span).days()] == [4, 7, 11, 14, 18, 21, 25, 28]
    assert [d.day for d in Pattern(mon_thu, *span, every_other_week=True).days()] == [4, 7, 18, 21]
    assert [d.day for d in Pattern(mon_thu, *span, weeks=frozenset({2, 4})).days()] == [11, 14, 25, 28]
    # a span starting mid-week: every other week still counts from the first day's week
    assert [d.day for d in Pattern(mon_thu, date(2027, 1, 6), date(2027, 1, 31), True).days()] == [7, 18, 21]
    form = {"day_mon": "1", "day_thu": "1", "first": "04/01/2027", "last": "2027-01-31", "weeks": "2; 4"}
    assert parse_pattern(form) == Pattern(mon_thu, *span, weeks=frozenset({2, 4}))
    for bad, why in (({**form, "day_mon": "", "day_thu": ""}, "weekday"), ({**form, "last": "2027-01-01"}, "before"),
                     ({**form, "weeks": "deux"}, "Weeks"), ({**form, "last": "2028-06-01"}, "one year")):
        with pytest.raises(PatternError, match=why):
            parse_pattern(bad)


def test_every_scrolling_table_wrapper_can_be_reached_from_the_keyboard():
    """A wrapper that scrolls sideways (class "scroll") must take the focus and say what it holds,
    whatever the page's content (axe: scrollable-region-focusable): the audit log's wide rows
    scrolled only on some days, and failed only then."""
    import re
    from pathlib import Path

    import plateau.server.web as web

    templates = Path(web.__file__).parent / "templates"
    wrappers = []
    for path in sorted(templates.rglob("*.html")):
        for tag in re.findall(r"<[a-z]+\b[^>]*\bclass=\"[^\"]*\bscroll\b[^\"]*\"[^>]*>", path.read_text("utf-8")):
            wrappers.append(tag)
            assert 'tabindex="0"' in tag and 'role="region"' in tag, (path.name, tag)
            assert "aria-label=" in tag or "aria-labelledby=" in tag, (path.name, tag)
    assert len(wrappers) >= 3   # the audit log, the Today page's classes and double passages
