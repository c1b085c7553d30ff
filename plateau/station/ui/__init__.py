"""The kiosk's Qt Widgets screens (`plateau station`). Only this package imports PySide6.

Importing it applies `pyside_fix.guard_bool_refcounts()`: PySide6 6.12 on CPython 3.11 drops a
reference to `True` on every Python-side `Signal.emit()`, which aborts a kiosk after a few
hundred badges ("Fatal Python error: bool_dealloc"). See `pyside_fix.py`.
"""

from plateau.station.ui.pyside_fix import guard_bool_refcounts

guard_bool_refcounts()
