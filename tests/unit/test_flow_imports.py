"""The kiosk flow and the rules stay free of Qt, HTTP, devices and database sessions (CONTRIBUTING.md, habit 1)."""

from __future__ import annotations

import ast
from pathlib import Path

import plateau

PURE = ("station/flow.py", "domain/rules.py", "domain/snapshot.py", "domain/messages.py",
        "reports/headcount.py", *(f"domain/{p.name}" for p in (Path(plateau.__file__).parent / "domain").glob("*.py")))
FORBIDDEN = ("PySide6", "shiboken6", "requests", "serial", "nfc", "sqlalchemy", "httpx", "plateau.db",
             "plateau.devices", "plateau.station.ui")


def _imports(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


def test_the_kiosk_flow_imports_no_ui_io_or_database_module():
    root = Path(plateau.__file__).parent
    for rel in PURE:
        for name in _imports(root / rel):
            bad = [f for f in FORBIDDEN if name == f or name.startswith(f + ".")]
            assert not bad, f"{rel} imports {name}"
