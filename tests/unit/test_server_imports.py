"""The central server's modules import one another without a cycle (imports inside functions
count too), and its settings are one checked object built once by `plateau server`."""

from __future__ import annotations

import argparse
import ast
from pathlib import Path

import pytest

import plateau
from plateau.errors import UserError
from plateau.server.cli_server import add_arguments
from plateau.server.settings import ServerSettings

ROOT = Path(plateau.__file__).parent


def _module_names() -> dict[str, Path]:
    out = {}
    for path in (ROOT / "server").rglob("*.py"):
        parts = path.relative_to(ROOT.parent).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        out[name] = path
    return out


def _targets(name: str, path: Path, node: ast.AST, modules: dict[str, Path]) -> set[str]:
    if isinstance(node, ast.Import):
        candidates = {a.name for a in node.names}
    else:
        base = node.module or ""
        if node.level:
            package = name.split(".") if path.name == "__init__.py" else name.split(".")[:-1]
            package = package[:len(package) - node.level + 1]
            base = ".".join(package + ([base] if base else []))
        candidates = {f"{base}.{a.name}" if f"{base}.{a.name}" in modules else base for a in node.names}
    found = set()
    for target in candidates:
        while target and target not in modules:
            target = target.rpartition(".")[0]
        if target and target != name:
            found.add(target)
    return found


def import_graph() -> dict[str, set[str]]:
    modules = _module_names()
    graph = {}
    for name, path in modules.items():
        graph[name] = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, (ast.Import, ast.ImportFrom)):
                graph[name] |= _targets(name, path, node, modules)
    return graph


def test_no_import_cycle_in_the_server():
    graph = import_graph()
    assert "plateau.server.store" in graph and "plateau.server.store_days" in graph["plateau.server.seed"]
    state: dict[str, int] = {}   # 1: on the current path, 2: done

    def visit(name: str, path: list[str]) -> None:
        state[name] = 1
        for target in sorted(graph[name]):
            if state.get(target) == 1:
                cycle = path[path.index(target):] + [target]
                raise AssertionError("import cycle: " + " -> ".join(cycle))
            if target not in state:
                visit(target, path + [target])
        state[name] = 2

    for name in sorted(graph):
        if name not in state:
            visit(name, [name])


def _args(*argv: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    add_arguments(parser)
    return parser.parse_args(list(argv))


def test_the_settings_come_from_the_command_line_then_the_environment_then_defaults():
    env = {"PLATEAU_SERVER_PORT": "9000", "PLATEAU_SERVER_AUTH_CACHE_SECONDS": "0", "PLATEAU_SERVER_DB": "x.db"}
    s = ServerSettings.from_args(_args("--max-body-mb", "2"), env)
    assert (s.port, s.auth_cache_seconds, s.db_url, s.max_body_bytes, s.host) == (9000, 0.0, "x.db", 2 * 2**20,
                                                                               "127.0.0.1")
    assert ServerSettings.from_args(_args("--port", "9100"), env).port == 9100
    assert ServerSettings.from_args(_args(), {}) == ServerSettings()


@pytest.mark.parametrize("argv, env, message", [
    (("--port", "0"), {}, "port must be 1 to 65535"),
    (("--body-idle-seconds", "0"), {}, "body_idle_seconds must be more than 0"),
    (("--max-bodies-in-flight", "0"), {}, "max_bodies_in_flight must be at least 1"),
    ((), {"PLATEAU_SERVER_PORT": "http"}, "PLATEAU_SERVER_PORT='http' is not a valid int"),
])
def test_a_bad_setting_stops_the_server_with_one_line(argv, env, message):
    with pytest.raises(UserError, match=message):
        ServerSettings.from_args(_args(*argv), env)
