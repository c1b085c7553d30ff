"""Every screen fits the panel it is shown on, from a 7" 800×480 to a 24" 1920×1080: with the type
sizes scaled to the window, no layout asks for more room than the screen has."""

from __future__ import annotations

import pytest

from plateau.station.flow import Screen


@pytest.mark.parametrize("lang", ["fr", "en"])
@pytest.mark.parametrize("size", [(800, 480), (1024, 600), (1280, 800), (1920, 1080)])
def test_every_screen_fits_the_panel(qtbot, make_kiosk, lang, size):
    kiosk = make_kiosk(lang, size=size)
    screens = dict(kiosk.screens)
    screens[Screen.MANAGER] = kiosk.manager
    for screen, widget in screens.items():
        hint = widget.minimumSizeHint()
        assert hint.width() <= size[0] and hint.height() <= size[1], \
            f"{screen}: needs {hint.width()}x{hint.height()} on {size[0]}x{size[1]}"
    hint = kiosk.minimumSizeHint()
    assert hint.width() <= size[0] and hint.height() <= size[1]
    assert (kiosk.width(), kiosk.height()) == size
