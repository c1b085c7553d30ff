"""The kiosk's Qt Widgets screens (`plateau station`). Only this package imports PySide6.

PySide6 6.12.0 is excluded in pyproject.toml: its `Signal.emit()` drops a reference to `True`
on every call, which aborts CPython 3.11 after a few hundred badges ("Fatal Python error:
bool_dealloc"). tests/ui/test_pyside_refcount.py keeps any such release out.
"""
