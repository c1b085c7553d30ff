"""Many signal emits must not abort the kiosk.

PySide6 6.12.0's `emit()` dropped a reference to `True` on every call; on CPython 3.11 the
interpreter aborted after a few hundred emits ("bool_dealloc"). pyproject.toml excludes that
release; this test fails on any PySide6 that brings the bug back.
"""

from __future__ import annotations

import subprocess
import sys

EMITS = """
import sys
import plateau.station.ui
from PySide6.QtCore import QCoreApplication, QObject, Signal
app = QCoreApplication([])
class W(QObject):
    text = Signal(str)
    flag = Signal(bool)
w = W()
w.text.connect(lambda s: None)
w.flag.connect(lambda b: None)
before = sys.getrefcount(True)
for _ in range(20000):
    w.text.emit("x")
    w.flag.emit(True)
print("alive", before - sys.getrefcount(True))
"""


def test_twenty_thousand_emits_survive_and_leak_no_reference():
    done = subprocess.run([sys.executable, "-c", EMITS], capture_output=True, text=True, timeout=60,
                          env={"QT_QPA_PLATFORM": "offscreen", "PATH": "/usr/bin:/bin"})
    assert done.returncode == 0, done.stderr[-500:]
    alive, lost = done.stdout.split()
    assert alive == "alive" and int(lost) < 100, done.stdout
