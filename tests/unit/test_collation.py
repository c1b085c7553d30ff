"""French order of names: accents and case count only to break exact ties."""

from __future__ import annotations

from plateau.domain.collation import fold, name_key, sorted_names


def test_accented_capitals_sort_with_their_letter():
    assert sorted_names(["BRUN", "BÉNARD", "BAILLY", "ÉMERY", "DUPONT", "ZOLA"]) == [
        "BAILLY", "BÉNARD", "BRUN", "DUPONT", "ÉMERY", "ZOLA"]


def test_case_and_ligatures_do_not_count():
    assert fold("Bénard-Cœur") == "benard-coeur"
    assert sorted_names(["de la Tour", "DELACROIX", "Dupont"]) == ["de la Tour", "DELACROIX", "Dupont"]
    assert sorted_names(["ŒUVRAY", "ODIN", "OZANNE"]) == ["ODIN", "ŒUVRAY", "OZANNE"]


def test_persons_by_surname_then_first_name_then_id():
    people = [("BRUN", "Léa", 3), ("BÉNARD", "Zoé", 1), ("BENARD", "Éloïse", 2), ("BÉNARD", "Éloïse", 4)]
    ordered = sorted(people, key=lambda p: name_key(*p))
    assert ordered == [("BENARD", "Éloïse", 2), ("BÉNARD", "Éloïse", 4), ("BÉNARD", "Zoé", 1), ("BRUN", "Léa", 3)]


def test_missing_names_sort_first_without_error():
    assert sorted(["B", None, "a"], key=lambda n: name_key(n)) == [None, "a", "B"]
