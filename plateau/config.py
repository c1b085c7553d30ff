"""Typed station settings: a TOML file plus ``PLATEAU_<SECTION>_<KEY>`` environment overrides.

One `StationSettings` per process (kiosk, sync daemon, CLI), validated at start: an unknown
section or key, a wrong type or a bad value stops the program with one clear line.
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any, Mapping

DEFAULT_CONFIG = Path("/etc/plateau/station.toml")
# PLATEAU_* variables that belong to other programs, not to the station's settings
_NOT_STATION_ENV = {"PLATEAU_CONFIG", "PLATEAU_SERVER_DB", "PLATEAU_DEBUG", "PLATEAU_LOG_DIR"}


class ConfigError(ValueError):
    """A configuration problem, worded for the person installing the station."""


@dataclass(frozen=True)
class StationSection:
    id: str = ""
    site: str = ""
    language: str = "fr"            # fr | en
    result_seconds: float = 2.0     # how long the result screen stays
    staff_timeout_seconds: int = 60  # staff mode leaves after this much inactivity
    sync_stale_seconds: float = 0    # sync daemon silent this long: "synchronisation stopped" (0: automatic)
    log_level: str = "INFO"
    # demos and training only (plateau demo): the kiosk's clock reads this ISO instant at start
    # and runs clock_speed times faster; empty = the system clock (plateau/demo/clock.py)
    clock_start: str = ""
    clock_speed: float = 1.0
    clock_anchor: str = ""          # the real instant at which the clock reads clock_start (default: start-up)
    clock_real_time_from: str = ""  # from this (shifted) instant on, the clock runs at real time


@dataclass(frozen=True)
class ServerSection:
    url: str = ""
    token: str = ""
    timeout_seconds: float = 10.0
    verify_tls: bool = True
    wait_seconds: int = 25          # long-poll duration
    clock_skew_warn_seconds: int = 120
    max_answer_mib: int = 16        # a server answer larger than this is not read (a whole-request failure)
    heartbeat_seconds: float = 10.0  # how often the sync daemon stamps "running" for the kiosk
    first_sync: str = "snapshot"    # snapshot: a new station reads the site's current state; feed: the whole feed


@dataclass(frozen=True)
class DbSection:
    path: str = "/var/lib/plateau/station.db"
    pin_key: str = ""                # the staff PINs' pepper key file; empty: pin.key beside `path`


@dataclass(frozen=True)
class ReaderSection:
    kind: str = "keyboard"           # serial | nfc | keyboard | simulated
    device: str = ""                 # /dev/ttyUSB0, nfcpy path ("usb", "usb:072f:2200", "udp:host:port")
    protocol: str = "rdm6300"        # serial: rdm6300 | line
    baudrate: int = 9600
    uid_format: str = "hex"          # the spelling this reader produces (domain.uid.FORMATS)
    prefix: str = ""                 # line readers: characters to strip before the UID
    suffix: str = ""
    debounce_ms: int = 1500
    simulated_source: str = ""       # simulated: "stdin", "fifo:/path", "tcp:127.0.0.1:7000"
    nfc_targets: str = "106A,106B,212F"  # nfc: technologies polled (ISO 14443 A, B, FeliCa)
    wedge_max_gap_ms: int = 35       # keyboard: longest gap between two keys of a reader burst
    wedge_min_length: int = 4        # keyboard: shortest burst taken as a UID


@dataclass(frozen=True)
class ScannerSection:
    """A USB 2D barcode scanner in keyboard mode reading phone badges, beside a serial or NFC card
    reader (with a keyboard card reader, that reader's wedge reads phone badges too)."""

    enabled: bool = False
    prefix: str = ""                 # characters the scanner types before the code (its "prefix" option)
    suffix: str = ""
    wedge_max_gap_ms: int = 35
    debounce_ms: int = 1500


@dataclass(frozen=True)
class CameraSection:
    """The kiosk's camera reading phone badges' QR codes (zxing-cpp, plateau/devices/camera.py)."""

    enabled: bool = False
    device: str = ""                 # a camera's id or description (`plateau devices` lists them); empty: default
    interval_ms: int = 100           # at most one frame decoded per interval
    debounce_ms: int = 1500


@dataclass(frozen=True)
class OutputsSection:
    gate_device: str = ""            # serial port driving a relay; empty = no gate
    gate_pulse_ms: int = 800
    gate_mode: str = "rts"           # rts | dtr (a modem line drives the relay) | bytes (relay board commands)
    gate_baudrate: int = 9600
    gate_open_bytes: str = ""        # bytes mode: hex written to close the relay, e.g. "A00101A2"
    gate_close_bytes: str = ""       # bytes mode: hex written after the pulse, e.g. "A00100A1"
    sounds: bool = False
    sound_accept: str = ""
    sound_refuse: str = ""


@dataclass(frozen=True)
class StationSettings:
    station: StationSection = field(default_factory=StationSection)
    server: ServerSection = field(default_factory=ServerSection)
    db: DbSection = field(default_factory=DbSection)
    reader: ReaderSection = field(default_factory=ReaderSection)
    outputs: OutputsSection = field(default_factory=OutputsSection)
    scanner: ScannerSection = field(default_factory=ScannerSection)
    camera: CameraSection = field(default_factory=CameraSection)
    source: str = ""  # where the settings came from, for messages

    def validate(self) -> "StationSettings":
        from plateau.domain.uid import FORMATS

        if not self.station.id:
            raise ConfigError(f"{self.source}: [station] id is required")
        if not self.station.site:
            raise ConfigError(f"{self.source}: [station] site (the school's UAI) is required")
        if self.station.language not in ("fr", "en"):
            raise ConfigError(f"{self.source}: [station] language must be fr or en, not {self.station.language!r}")
        if self.reader.kind not in ("serial", "nfc", "keyboard", "simulated"):
            raise ConfigError(f"{self.source}: [reader] kind must be serial, nfc, keyboard or simulated, "
                              f"not {self.reader.kind!r}")
        if self.reader.protocol not in ("rdm6300", "line"):
            raise ConfigError(f"{self.source}: [reader] protocol must be rdm6300 or line")
        if self.reader.uid_format not in FORMATS:
            raise ConfigError(f"{self.source}: [reader] uid_format must be one of {', '.join(FORMATS)}")
        if self.reader.kind == "serial" and not self.reader.device:
            raise ConfigError(f"{self.source}: [reader] device is required for a serial reader")
        if not 0.1 <= self.server.heartbeat_seconds <= 600:
            raise ConfigError(f"{self.source}: [server] heartbeat_seconds must be between 0.1 and 600")
        if not 1 <= self.server.max_answer_mib <= 1024:
            raise ConfigError(f"{self.source}: [server] max_answer_mib must be between 1 and 1024")
        if self.server.first_sync not in ("snapshot", "feed"):
            raise ConfigError(f"{self.source}: [server] first_sync must be snapshot or feed, "
                              f"not {self.server.first_sync[:40]!r}")
        if self.server.url and not self.server.url.startswith(("http://", "https://")):
            raise ConfigError(f"{self.source}: [server] url must start with http:// or https://")
        if self.station.clock_start:
            from plateau.demo.clock import parse_start

            try:
                start = parse_start(self.station.clock_start)
                if self.station.clock_anchor:
                    parse_start(self.station.clock_anchor)
                if self.station.clock_real_time_from:
                    try:
                        real_from = parse_start(self.station.clock_real_time_from)
                    except ValueError as exc:
                        raise ValueError(str(exc).replace("clock_start", "clock_real_time_from", 1)) from None
                    if real_from < start:
                        raise ValueError("clock_real_time_from must not be before clock_start")
            except ValueError as exc:
                raise ConfigError(f"{self.source}: [station] {exc}") from None
        if self.station.sync_stale_seconds < 0:
            raise ConfigError(f"{self.source}: [station] sync_stale_seconds must be 0 (automatic) or positive")
        if self.station.clock_speed <= 0:
            raise ConfigError(f"{self.source}: [station] clock_speed must be positive")
        if self.station.result_seconds <= 0 or self.reader.debounce_ms < 0:
            raise ConfigError(f"{self.source}: durations must be positive")
        if self.scanner.enabled and self.reader.kind == "keyboard":
            raise ConfigError(f"{self.source}: [scanner] is for a station whose card reader is serial or nfc: "
                              "with [reader] kind = \"keyboard\", that reader's wedge reads phone badges too "
                              "(set [reader] prefix/suffix to what the scanner adds)")
        if not 10 <= self.camera.interval_ms <= 5000 or not 5 <= self.scanner.wedge_max_gap_ms <= 500:
            raise ConfigError(f"{self.source}: [camera] interval_ms must be between 10 and 5000, "
                              "[scanner] wedge_max_gap_ms between 5 and 500")
        from plateau.devices.checks import check_outputs, check_reader

        for problem in check_reader(self.reader) + check_outputs(self.outputs):
            raise ConfigError(f"{self.source}: {problem}")
        return self


def _coerce(where: str, kind: Any, value: Any) -> Any:
    if kind in (bool, "bool"):
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.lower() in ("1", "true", "yes", "on", "0", "false", "no", "off"):
            return value.lower() in ("1", "true", "yes", "on")
        raise ConfigError(f"{where}: expected true or false, got {value!r}")
    if kind in (int, "int"):
        if isinstance(value, bool):
            raise ConfigError(f"{where}: expected a whole number, got {value!r}")
        try:
            return int(value)
        except (TypeError, ValueError):
            raise ConfigError(f"{where}: expected a whole number, got {value!r}") from None
    if kind in (float, "float"):
        if isinstance(value, bool):
            raise ConfigError(f"{where}: expected a number, got {value!r}")
        try:
            return float(value)
        except (TypeError, ValueError):
            raise ConfigError(f"{where}: expected a number, got {value!r}") from None
    if not isinstance(value, str):
        raise ConfigError(f"{where}: expected text, got {value!r}")
    return value


def _section(cls, name: str, data: Mapping[str, Any], source: str):
    known = {f.name: f for f in fields(cls)}
    kwargs = {}
    for key, value in data.items():
        if key not in known:
            raise ConfigError(f"{source}: unknown key {key!r} in [{name}] (known: {', '.join(known)})")
        kwargs[key] = _coerce(f"{source}: [{name}] {key}", known[key].type, value)
    return cls(**kwargs)


def load_settings(path: str | Path | None = None, env: Mapping[str, str] | None = None,
                  *, validate: bool = True) -> StationSettings:
    """Read `path` (default: $PLATEAU_CONFIG or /etc/plateau/station.toml) and the environment."""
    env = os.environ if env is None else env
    path = Path(path or env.get("PLATEAU_CONFIG") or DEFAULT_CONFIG)
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"configuration file not found: {path}") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from None
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read: {exc.strerror}") from None
    sections = {f.name: f for f in fields(StationSettings) if f.name != "source"}
    merged: dict[str, dict[str, Any]] = {}
    for name, data in raw.items():
        if name not in sections:
            raise ConfigError(f"{path}: unknown section [{name}] (known: {', '.join(sections)})")
        if not isinstance(data, dict):
            raise ConfigError(f"{path}: {name} must be a [section]")
        merged[name] = dict(data)
    for key, value in env.items():
        if not key.startswith("PLATEAU_") or key in _NOT_STATION_ENV:
            continue
        rest = key[len("PLATEAU_"):].lower()
        section, _, name = rest.partition("_")
        if section in sections and name:
            known = {f.name for f in fields(sections[section].default_factory().__class__)}
            if name not in known:  # name the variable, not the file: the file is not at fault
                raise ConfigError(f"environment variable {key}: unknown setting {name!r} in [{section}] "
                                  f"(known: {', '.join(sorted(known))})")
            merged.setdefault(section, {})[name] = value
        elif section in ("station", "reader", "db", "outputs", "scanner", "camera"):
            raise ConfigError(f"environment variable {key}: unknown setting")
    built = {name: _section(sections[name].default_factory().__class__, name, merged.get(name, {}), str(path))
             for name in sections}
    settings = StationSettings(**built, source=str(path))
    return settings.validate() if validate else settings
