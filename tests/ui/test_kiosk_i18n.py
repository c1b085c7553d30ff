"""Every word of the kiosk's own chrome has its French translation (French is the default)."""

from __future__ import annotations

import ast
from pathlib import Path

import plateau.station.ui as ui
from plateau.station.ui.i18n import FRENCH
from plateau.station.ui.staff_screens import MOTIVES
from plateau.station.ui.texts import _READER, REASON_LABELS


def _tr_literals() -> set[str]:
    found = set()
    for path in Path(ui.__file__).parent.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "tr"
                    and node.args and isinstance(node.args[0], ast.Constant)):
                found.add(node.args[0].value)
    return found


def test_every_translatable_text_has_a_french_translation():
    texts = _tr_literals() | set(MOTIVES) | set(REASON_LABELS.values()) | set(_READER.values())
    missing = sorted(t for t in texts if t not in FRENCH)
    assert not missing, missing
    assert len(texts) > 60


def test_french_placeholders_match_the_english_ones():
    import string

    for source, french in FRENCH.items():
        names = {f for _, f, _, _ in string.Formatter().parse(source) if f}
        assert names == {f for _, f, _, _ in string.Formatter().parse(french) if f}, source
