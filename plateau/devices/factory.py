"""Build the station's devices from its settings (called by the kiosk's composition root).

    reader = make_reader(settings.reader)            # serial | nfc | simulated
    wedge = make_keyboard_wedge(window, settings.reader)   # keyboard (Qt: on the GUI thread)
    gate, sounds = make_gate(settings.outputs), make_sounds(settings.outputs)

Nothing is opened here: readers open their device on their own thread at `start()`.
"""

from __future__ import annotations

from plateau.config import ConfigError, OutputsSection, ReaderSection
from plateau.devices.base import BadgeReader
from plateau.devices.checks import check_outputs, check_reader


def _checked(section, checker) -> None:
    problems = checker(section)
    if problems:
        raise ConfigError(problems[0])


def make_reader(reader_settings: ReaderSection, name: str = "reader") -> BadgeReader:
    """A started-on-demand reader for kinds serial, nfc and simulated.

    A keyboard-wedge reader is read from the kiosk window's key events instead: use
    `make_keyboard_wedge` (asking for it here is a ConfigError that says so).
    """
    _checked(reader_settings, check_reader)
    r = reader_settings
    if r.kind == "serial":
        from plateau.devices.serial_reader import SerialReader

        return SerialReader(r.device, protocol=r.protocol, baudrate=r.baudrate, uid_format=r.uid_format,
                            prefix=r.prefix, suffix=r.suffix, name=name, debounce_ms=r.debounce_ms)
    if r.kind == "nfc":
        from plateau.devices.nfc_reader import NfcReader

        return NfcReader(r.device or "usb", targets=r.nfc_targets, name=name, debounce_ms=r.debounce_ms)
    if r.kind == "simulated":
        from plateau.devices.simulated import SimulatedReader

        return SimulatedReader(r.simulated_source or "stdin", uid_format=r.uid_format, prefix=r.prefix,
                               suffix=r.suffix, name=name, debounce_ms=r.debounce_ms)
    raise ConfigError(f"[reader] kind {r.kind!r} is read by the kiosk window (KeyboardWedge), not by a reader "
                      f"thread")


def make_keyboard_wedge(window, reader_settings: ReaderSection):
    """The Qt event filter for a keyboard-wedge reader, installed for `window` (GUI thread)."""
    from plateau.devices.keyboard import KeyboardWedge

    _checked(reader_settings, check_reader)
    r = reader_settings
    return KeyboardWedge(window, max_gap_ms=r.wedge_max_gap_ms, min_length=r.wedge_min_length,
                         uid_format=r.uid_format, prefix=r.prefix, suffix=r.suffix, debounce_ms=r.debounce_ms)


def make_gate(outputs: OutputsSection):
    """The gate relay (a no-op object when `gate_device` is empty)."""
    from plateau.devices.outputs import Gate

    _checked(outputs, check_outputs)
    if not outputs.gate_device:
        return Gate("")
    return Gate(outputs.gate_device, mode=outputs.gate_mode, pulse_ms=outputs.gate_pulse_ms,
                baudrate=outputs.gate_baudrate, open_bytes=outputs.gate_open_bytes,
                close_bytes=outputs.gate_close_bytes)


def make_sounds(outputs: OutputsSection):
    """Accept/refuse sounds (create on the GUI thread; silent when disabled or impossible)."""
    from plateau.devices.outputs import Sounds

    return Sounds(outputs.sound_accept, outputs.sound_refuse, enabled=outputs.sounds)
