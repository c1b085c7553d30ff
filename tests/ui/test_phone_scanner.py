"""A USB 2D barcode scanner in keyboard mode reading a phone badge's QR code, in real Qt widgets
(offscreen): the scanner types the payload text (with its configured prefix and suffix) at reader
speed, the wedge emits it whole, a card reader on the same wedge still gives UIDs, and staff typing
in a field are not disturbed."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLineEdit, QVBoxLayout, QWidget

from plateau.devices.keyboard import KeyboardWedge

PAYLOAD = "PLT1:0691234X:42:123456"


@pytest.fixture
def kiosk(qtbot):
    window = QWidget()
    layout = QVBoxLayout(window)
    search = QLineEdit()
    layout.addWidget(search)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    window.activateWindow()
    search.setFocus()
    qtbot.waitUntil(search.hasFocus, timeout=2000)
    # the scanner's prefix "]Q1" (AIM identifier of a QR code, a common factory option) and Tab suffix
    wedge = KeyboardWedge(window, max_gap_ms=60, debounce_ms=1500, prefix="]Q1")
    badges: list[str] = []
    wedge.badge.connect(badges.append)
    yield window, search, wedge, badges
    wedge.uninstall()


def scanner_types(qtbot, widget, text):
    qtbot.keyClicks(widget, text)
    qtbot.keyClick(widget, Qt.Key.Key_Return)


def test_a_scanned_phone_badge_is_its_payload_text_and_never_reaches_the_field(qtbot, kiosk):
    window, search, wedge, badges = kiosk
    scanner_types(qtbot, search, "]Q1" + PAYLOAD)
    assert badges == [PAYLOAD]
    qtbot.wait(120)
    assert search.text() == ""


def test_the_same_code_scanned_twice_in_a_blink_is_one_read_and_a_card_still_reads(qtbot, kiosk):
    window, search, wedge, badges = kiosk
    scanner_types(qtbot, search, "]Q1" + PAYLOAD)
    qtbot.wait(80)
    scanner_types(qtbot, search, "]Q1" + PAYLOAD)   # a scanner in continuous mode sees the phone again
    qtbot.wait(80)
    scanner_types(qtbot, search, "04a1b2c3")         # the card reader, same kiosk
    assert badges == [PAYLOAD, "04A1B2C3"]


def test_staff_typing_a_name_with_a_colon_is_not_a_phone_badge(qtbot, kiosk):
    window, search, wedge, badges = kiosk
    for ch in "PLT1:Martin":
        qtbot.keyClick(search, ch)
        qtbot.wait(110)
    assert badges == [] and search.text() == "PLT1:Martin"
