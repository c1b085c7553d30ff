"""A guard against a reference-count bug of PySide6 on CPython < 3.12.

`SignalInstance.emit()` of PySide6 6.12.0 returns `True` without taking a reference to it: every
Python-side `emit()` (the kiosk's worker answers, the reader bridge, the keyboard wedge) lowers
`True`'s reference count by one. On CPython 3.11, where `True` is an ordinary object, the count
reaches zero after a few hundred emits and the interpreter aborts with "Fatal Python error:
bool_dealloc: deallocating True or False" — a kiosk would die in the middle of a lunch. Measured
here: 100 emits → refcount of True −98 (benchmarks and tests/ui/test_pyside_refcount.py).

CPython 3.12 made `True`, `False` and `None` immortal (PEP 683), which hides the bug. On older
interpreters we do the same by hand, once per process: add 2**40 to their reference counts, so
that no realistic number of emits can bring them to zero (a kiosk emitting 1,000 signals a
second would need 35 years). Nothing else is touched; the guard is a no-op on 3.12+.
"""

from __future__ import annotations

import ctypes
import sys

_MARGIN = 1 << 40
_done = False


def guard_bool_refcounts() -> None:
    global _done
    if _done or sys.version_info >= (3, 12):
        return
    for obj in (True, False, None):
        ctypes.c_ssize_t.from_address(id(obj)).value += _MARGIN  # ob_refcnt is the first field
    _done = True
