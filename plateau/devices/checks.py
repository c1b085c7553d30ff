"""Validation of the `[reader]` and `[outputs]` settings, worded for the person installing the station.

Called by `StationSettings.validate()` at start (so a bad value stops the program with one clear
line) and by `make_reader`. Imports nothing heavy: no Qt, pyserial or nfcpy.
"""

from __future__ import annotations

from typing import Any

KINDS = ("serial", "nfc", "keyboard", "simulated")
PROTOCOLS = ("rdm6300", "line")
BAUDRATES = (1200, 2400, 4800, 9600, 19200, 38400, 57600, 115200)


def check_reader(reader: Any) -> list[str]:
    """Problems with a ReaderSection, as sentences; [] when it is usable."""
    from plateau.devices.nfc_reader import parse_targets
    from plateau.devices.simulated import parse_source
    from plateau.domain.uid import FORMATS

    problems = []
    if reader.kind not in KINDS:
        problems.append(f"[reader] kind must be one of {', '.join(KINDS)}, not {reader.kind!r}")
    if reader.protocol not in PROTOCOLS:
        problems.append(f"[reader] protocol must be rdm6300 or line, not {reader.protocol!r}")
    if reader.uid_format not in FORMATS:
        problems.append(f"[reader] uid_format must be one of {', '.join(FORMATS)}, not {reader.uid_format!r}")
    if reader.kind == "serial":
        if not reader.device:
            problems.append("[reader] device is required for a serial reader (e.g. /dev/ttyUSB0)")
        elif not reader.device.startswith("/"):
            problems.append(f"[reader] device must be a path such as /dev/ttyUSB0, not {reader.device!r}")
        if reader.baudrate not in BAUDRATES:
            problems.append(f"[reader] baudrate must be one of {', '.join(map(str, BAUDRATES))}")
        if reader.protocol == "rdm6300" and reader.uid_format not in ("hex", "em4100"):
            problems.append("[reader] an rdm6300 reader sends EM4100 frames: leave uid_format at hex")
    if reader.kind == "nfc":
        if reader.device and not reader.device.startswith(("usb", "tty:", "udp")):
            problems.append(f"[reader] device for an NFC reader is an nfcpy path (usb, usb:072f:2200, "
                            f"tty:USB0:pn532, udp:127.0.0.1:54321), not {reader.device!r}")
        try:
            parse_targets(reader.nfc_targets)
        except ValueError as exc:
            problems.append(f"[reader] nfc_targets: {exc}")
    if reader.kind == "simulated":
        try:
            parse_source(reader.simulated_source)
        except ValueError as exc:
            problems.append(f"[reader] simulated_source: {exc}")
    if reader.debounce_ms < 0 or reader.debounce_ms > 60_000:
        problems.append("[reader] debounce_ms must be between 0 and 60000")
    if not 5 <= reader.wedge_max_gap_ms <= 500:
        problems.append("[reader] wedge_max_gap_ms must be between 5 and 500")
    if not 1 <= reader.wedge_min_length <= 32:
        problems.append("[reader] wedge_min_length must be between 1 and 32")
    for key in ("prefix", "suffix"):
        if any(c in getattr(reader, key) for c in "\r\n"):
            problems.append(f"[reader] {key} cannot contain a line end")
    return problems


def check_outputs(outputs: Any) -> list[str]:
    """Problems with an OutputsSection, as sentences; [] when it is usable."""
    from plateau.devices.outputs import GATE_MODES, parse_hex_bytes

    problems = []
    if outputs.gate_device:
        if not outputs.gate_device.startswith("/"):
            problems.append(f"[outputs] gate_device must be a path such as /dev/ttyUSB1, not {outputs.gate_device!r}")
        if outputs.gate_mode not in GATE_MODES:
            problems.append(f"[outputs] gate_mode must be one of {', '.join(GATE_MODES)}, not {outputs.gate_mode!r}")
        if not 20 <= outputs.gate_pulse_ms <= 10_000:
            problems.append("[outputs] gate_pulse_ms must be between 20 and 10000")
        if outputs.gate_baudrate not in BAUDRATES:
            problems.append(f"[outputs] gate_baudrate must be one of {', '.join(map(str, BAUDRATES))}")
        for key in ("gate_open_bytes", "gate_close_bytes"):
            try:
                parse_hex_bytes(getattr(outputs, key), key)
            except ValueError as exc:
                problems.append(f"[outputs] {exc}")
        if outputs.gate_mode == "bytes" and not outputs.gate_open_bytes:
            problems.append("[outputs] gate_mode = \"bytes\" needs gate_open_bytes (e.g. \"A00101A2\")")
    return problems
