"""The static packaging files: udev rules cover every supported reader, units agree with the code.

udevadm (which would check the rules) is not installed on build machines; this test parses
them with udev's own grammar: comma-separated ``KEY[{attr}] OP "value"`` pairs.
"""

from __future__ import annotations

import configparser
import re
import shutil
import subprocess
from pathlib import Path

import pytest

PACKAGING = Path(__file__).resolve().parents[3] / "packaging"
RULES = PACKAGING / "udev" / "70-plateau-readers.rules"
PAIR = re.compile(r'\s*(?P<key>[A-Z_]+)(\{(?P<attr>[^}]+)\})?\s*(?P<op>==|!=|\+=|-=|:=|=)\s*"(?P<value>[^"]*)"\s*(,|$)')
KNOWN_KEYS = {"ACTION", "SUBSYSTEM", "ENV", "ATTR", "ATTRS", "MODE", "GROUP", "TAG", "SYMLINK", "GOTO", "LABEL"}
MATCH_OPS, ASSIGN_OPS = {"==", "!="}, {"=", "+=", "-=", ":="}

NFC = {("072f", "2200"), ("04e6", "5591"), ("04cc", "2533"), ("054c", "06c1"), ("054c", "02e1")}
SERIAL = {("1a86", "7523"), ("10c4", "ea60"), ("0403", "6001"), ("067b", "2303")}


def _rules() -> list[list[dict]]:
    out = []
    for number, line in enumerate(RULES.read_text().splitlines(), 1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        pairs, pos = [], 0
        while pos < len(line):
            m = PAIR.match(line, pos)
            assert m, f"{RULES.name}:{number}: cannot parse from {line[pos:]!r}"
            pairs.append(m.groupdict())
            pos = m.end()
        for p in pairs:
            assert p["key"] in KNOWN_KEYS, f"line {number}: unknown key {p['key']}"
            assert p["op"] in (MATCH_OPS | ASSIGN_OPS)
            if p["key"] in ("MODE", "GROUP", "SYMLINK", "GOTO", "LABEL"):
                assert p["op"] in ASSIGN_OPS, f"line {number}: {p['key']} must be assigned"
        out.append(pairs)
    return out


def test_every_supported_reader_gets_the_plateau_group_and_a_stable_name():
    seen = {}
    for pairs in _rules():
        values = {(p["key"], p["attr"]): p["value"] for p in pairs}
        vendor = values.get(("ATTR", "idVendor")) or values.get(("ATTRS", "idVendor"))
        if vendor:
            product = values.get(("ATTR", "idProduct")) or values.get(("ATTRS", "idProduct"))
            assert values[("GROUP", None)] == "plateau" and values[("MODE", None)] == "0660"
            seen[(vendor, product)] = values[("SYMLINK", None)]
    assert {k for k, v in seen.items() if v == "plateau-nfc"} == NFC
    assert {k for k, v in seen.items() if v == "plateau-reader"} == SERIAL


def test_every_goto_has_its_label():
    pairs = [p for rule in _rules() for p in rule]
    labels = {p["value"] for p in pairs if p["key"] == "LABEL"}
    assert {p["value"] for p in pairs if p["key"] == "GOTO"} <= labels


def _unit(name: str) -> configparser.ConfigParser:
    parser = configparser.ConfigParser(strict=False, interpolation=None)
    parser.optionxform = str
    parser.read(PACKAGING / "systemd" / name)
    return parser


def test_units_run_the_commands_of_the_cli():
    from plateau.cli import COMMANDS

    for name, command in [("plateau-kiosk.service", "station"), ("plateau-sync.service", "sync"),
                          ("plateau-server.service", "server"), ("plateau-backup.service", "backup")]:
        exec_start = _unit(name)["Service"]["ExecStart"]
        assert f"/opt/plateau/bin/plateau {command}" in exec_start, name
        assert command in COMMANDS
    kiosk = _unit("plateau-kiosk.service")["Service"]
    assert kiosk["Type"] == "notify" and kiosk["NotifyAccess"] == "all" and kiosk["WatchdogSec"]
    assert kiosk["User"] == "plateau-kiosk" and kiosk["SupplementaryGroups"] == "plateau"


def test_station_template_keys_exist_in_the_settings():
    import tomllib
    from dataclasses import fields

    from plateau.config import StationSettings

    raw = tomllib.loads((PACKAGING / "station.toml.template").read_text())
    sections = {f.name: f.default_factory() for f in fields(StationSettings) if f.name != "source"}
    for section, keys in raw.items():
        known = {f.name for f in fields(sections[section])}
        assert set(keys) <= known, (section, set(keys) - known)


@pytest.mark.skipif(shutil.which("shellcheck") is None, reason="shellcheck is not installed (Debian package shellcheck)")
def test_shell_scripts_pass_shellcheck():
    done = subprocess.run(["shellcheck", "-x", "install.sh", "plateauctl"], cwd=PACKAGING, capture_output=True,
                          text=True, timeout=60)
    assert done.returncode == 0, done.stdout + done.stderr
