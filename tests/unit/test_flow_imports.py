"""Dependencies point inward (CONTRIBUTING.md, habit 1), read from the sources with `ast`:
imports inside functions count as much as those at the top of a module.

- the kiosk flow, the decision core and the headcount computation stay free of Qt, HTTP, devices
  and database sessions;
- `plateau/domain` imports nothing of ours above it;
- the replica (`plateau/db`) never imports the kiosk (`plateau/station`);
- no two modules of `plateau/` import each other, directly or through others.
"""

from __future__ import annotations

import ast
from pathlib import Path

import plateau

ROOT = Path(plateau.__file__).parent
PURE = ("station/flow.py", "reports/headcount.py", *(f"domain/{p.name}" for p in (ROOT / "domain").glob("*.py")))
FORBIDDEN = ("PySide6", "shiboken6", "requests", "serial", "nfc", "sqlalchemy", "httpx", "plateau.db",
             "plateau.devices", "plateau.station.ui")


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path: Path) -> set[str]:
    """Every module name `path` imports, anywhere in it (relative imports made absolute)."""
    package = _module_name(path) if path.name == "__init__.py" else _module_name(path).rpartition(".")[0]
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                up = package.split(".")[:len(package.split(".")) - (node.level - 1)]
                base = ".".join(up + ([base] if base else []))
            names.add(base)
            names.update(f"{base}.{a.name}" for a in node.names)  # `from pkg import module`
    return names


def _graph() -> dict[str, set[str]]:
    """Module -> the modules of plateau/ it imports."""
    modules = {_module_name(p): p for p in ROOT.rglob("*.py")}
    graph = {}
    for name, path in modules.items():
        graph[name] = {i for i in _imports(path) if i in modules and i != name}
    return graph


def _cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One import cycle, as a path that comes back to its start, or None."""
    state: dict[str, int] = {}   # 1: on the current path, 2: done
    path: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        path.append(node)
        for nxt in sorted(graph[node]):
            if state.get(nxt) == 1:
                return path[path.index(nxt):] + [nxt]
            if nxt not in state and (found := visit(nxt)):
                return found
        path.pop()
        state[node] = 2
        return None

    for node in sorted(graph):
        if node not in state and (found := visit(node)):
            return found
    return None


def test_the_kiosk_flow_imports_no_ui_io_or_database_module():
    for rel in PURE:
        for name in _imports(ROOT / rel):
            bad = [f for f in FORBIDDEN if name == f or name.startswith(f + ".")]
            assert not bad, f"{rel} imports {name}"


def test_the_domain_imports_nothing_of_ours_above_it():
    for module, imported in _graph().items():
        if module.startswith("plateau.domain"):
            above = [i for i in imported if i != "plateau" and not i.startswith("plateau.domain")]
            assert not above, f"{module} imports {above}"   # `plateau` itself holds only the version


def test_the_replica_never_imports_the_kiosk():
    for path in (ROOT / "db").rglob("*.py"):
        for name in _imports(path):
            assert not name.startswith(("plateau.station", "PySide6")), f"{path.relative_to(ROOT)} imports {name}"


def test_no_import_cycle_in_plateau():
    graph = _graph()
    assert _cycle(graph) is None, " -> ".join(_cycle(graph))


def test_the_cycle_finder_sees_imports_inside_functions():
    assert _cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": set()}) == ["a", "b", "c", "a"]
    assert _cycle({"a": {"b"}, "b": set()}) is None
    # plateau.errors imports the settings' error class inside `user_facing()`, not at the top
    assert "plateau.config" in _graph()["plateau.errors"]
