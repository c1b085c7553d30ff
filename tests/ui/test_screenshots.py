"""`python -m plateau.station.ui.screenshots`: every series starts from the same replica, so the
"accepted" shots are green at every size (no answer leaks from one size into the next)."""

from __future__ import annotations

from PySide6.QtGui import QColor, QImage

from plateau.station.ui import theme
from plateau.station.ui.screenshots import SIZES, shoot


def _background(path) -> str:
    image = QImage(str(path))
    assert not image.isNull(), path
    return image.pixelColor(3, image.height() // 2).name().upper()


def test_the_result_shots_show_their_own_answer_at_every_size(qapp, tmp_path):
    made = shoot(tmp_path, sizes=SIZES, langs=("fr",), pause=0.05)
    names = {p.name for p in made}
    green, red = QColor(theme.ACCEPT_BG).name().upper(), QColor(theme.REFUSE_BG).name().upper()
    for w, h in SIZES:
        for shot in ("result-accepted", "result-accepted-low-balance", "result-phone-badge"):
            assert f"{w}x{h}-fr-{shot}.png" in names
            assert _background(tmp_path / f"{w}x{h}-fr-{shot}.png") == green, (w, h, shot)
        assert _background(tmp_path / f"{w}x{h}-fr-result-already-served.png") == red
        assert _background(tmp_path / f"{w}x{h}-fr-result-phone-code-replayed.png") == red
        assert QImage(str(tmp_path / f"{w}x{h}-fr-manager.png")).size().toTuple() == (w, h)
