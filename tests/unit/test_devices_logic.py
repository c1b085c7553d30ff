"""Debounce, keyboard-wedge timing and settings checks: pure logic with a fake clock."""

from __future__ import annotations

import pytest

from plateau.config import ConfigError, OutputsSection, ReaderSection
from plateau.devices.checks import check_outputs, check_reader
from plateau.devices.debounce import Debouncer
from plateau.devices.factory import make_gate, make_reader
from plateau.devices.nfc_reader import NfcReader, parse_targets, translate_nfc_error
from plateau.devices.serial_reader import SerialReader, translate_open_error
from plateau.devices.simulated import SimulatedReader, parse_source

# -- debounce -------------------------------------------------------------------------------------


def test_a_card_lying_on_the_reader_is_one_read():
    d = Debouncer(1500)
    # a cheap 13.56 MHz reader repeats every 100 ms for 5 s
    accepted = [d.accept("04A1B2C3", t / 10) for t in range(50)]
    assert accepted.count(True) == 1


def test_the_same_card_again_after_the_window_is_a_new_read():
    d = Debouncer(1500)
    assert d.accept("04A1B2C3", 0.0)
    assert not d.accept("04A1B2C3", 1.0)
    assert d.accept("04A1B2C3", 2.6)


def test_a_different_card_is_read_at_once():
    d = Debouncer(1500)
    assert d.accept("04A1B2C3", 0.0)
    assert d.accept("1A2B3C4D", 0.05)


def test_zero_window_reads_everything_and_memory_stays_bounded():
    d = Debouncer(0)
    assert all(d.accept("AA", t) for t in range(5))
    d = Debouncer(10)
    for i in range(1000):
        d.accept(f"{i:08X}", i * 1.0)
    assert len(d._last_seen) <= 65


# -- keyboard wedge timing (the Qt side is tested in tests/ui) ----------------------------------

def _type(asm, text, start, gap):
    t = start
    for ch in text:
        asm.key(ch, t)
        t += gap
    return t


def test_reader_burst_ending_with_enter_is_a_badge():
    from plateau.devices.wedge import WedgeAssembler

    asm = WedgeAssembler(max_gap_ms=35)
    t = _type(asm, "0439041101", 0.0, 0.008)
    assert asm.enter(t) == ("0439041101", [])  # a hex reader: ten digits are five bytes
    asm = WedgeAssembler(max_gap_ms=35, uid_format="decimal")
    t = _type(asm, "0439041101", 0.0, 0.008)
    assert asm.enter(t) == ("1A2B3C4D", [])


def test_a_person_typing_is_not_a_badge():
    from plateau.devices.wedge import WedgeAssembler

    asm = WedgeAssembler(max_gap_ms=35)
    dropped = []
    t = 0.0
    for ch in "1A2B3C4D":
        dropped += asm.key(ch, t)
        t += 0.15
    uid, held = asm.enter(t)
    assert uid is None
    assert "".join(dropped + held) == "1A2B3C4D"   # every key handed back, in order


def test_two_badges_are_never_merged_even_without_the_first_enter():
    from plateau.devices.wedge import WedgeAssembler

    asm = WedgeAssembler(max_gap_ms=35)
    t = _type(asm, "1A2B3C4D", 0.0, 0.008)   # the reader drops this Enter
    t = _type(asm, "04A1B2C3", t + 0.150, 0.008)
    assert asm.enter(t) == ("04A1B2C3", [])


def test_too_short_bursts_are_keys_not_badges():
    from plateau.devices.wedge import WedgeAssembler

    asm = WedgeAssembler(max_gap_ms=35, min_length=4)
    t = _type(asm, "12", 0.0, 0.005)
    assert asm.enter(t) == (None, ["1", "2"])


# -- settings -----------------------------------------------------------------------------------

def test_default_settings_are_valid():
    assert check_reader(ReaderSection()) == [] and check_outputs(OutputsSection()) == []


@pytest.mark.parametrize("values,message", [
    (dict(kind="serial"), "device is required"),
    (dict(kind="serial", device="/dev/ttyUSB0", baudrate=1234), "baudrate"),
    (dict(kind="serial", device="/dev/ttyUSB0", uid_format="decimal"), "EM4100"),
    (dict(kind="nfc", device="/dev/ttyACM0"), "nfcpy path"),
    (dict(kind="nfc", nfc_targets="106C"), "nfc_targets"),
    (dict(kind="simulated", simulated_source="tcp:192.168.1.5:7000"), "loopback only"),
    (dict(kind="simulated", simulated_source="http://x"), "expected stdin"),
    (dict(debounce_ms=-1), "debounce_ms"),
    (dict(wedge_max_gap_ms=1000), "wedge_max_gap_ms"),
    (dict(kind="bluetooth"), "kind must be one of"),
])
def test_bad_reader_settings_are_explained(values, message):
    problems = check_reader(ReaderSection(**values))
    assert problems and message in problems[0]
    with pytest.raises(ConfigError, match=message):
        make_reader(ReaderSection(**values))


@pytest.mark.parametrize("values,message", [
    (dict(gate_device="ttyUSB1"), "path"),
    (dict(gate_device="/dev/ttyUSB1", gate_mode="cts"), "gate_mode"),
    (dict(gate_device="/dev/ttyUSB1", gate_mode="bytes"), "needs gate_open_bytes"),
    (dict(gate_device="/dev/ttyUSB1", gate_mode="bytes", gate_open_bytes="A0 01 0G"), "hexadecimal"),
    (dict(gate_device="/dev/ttyUSB1", gate_pulse_ms=5), "gate_pulse_ms"),
])
def test_bad_output_settings_are_explained(values, message):
    problems = check_outputs(OutputsSection(**values))
    assert problems and message in problems[0]
    with pytest.raises(ConfigError, match=message):
        make_gate(OutputsSection(**values))


def test_factory_builds_each_kind_without_opening_anything():
    assert isinstance(make_reader(ReaderSection(kind="serial", device="/dev/ttyUSB0")), SerialReader)
    nfc = make_reader(ReaderSection(kind="nfc", nfc_targets="106A,212F"))
    assert isinstance(nfc, NfcReader) and nfc.path == "usb" and nfc.targets == ("106A", "212F")
    sim = make_reader(ReaderSection(kind="simulated", simulated_source="tcp:127.0.0.1:0"), name="demo")
    assert isinstance(sim, SimulatedReader) and sim.name == "demo"
    with pytest.raises(ConfigError, match="KeyboardWedge"):
        make_reader(ReaderSection(kind="keyboard"))
    assert not make_gate(OutputsSection()).enabled


def test_sources_and_targets_parse():
    assert parse_source("stdin") == ("stdin", "")
    assert parse_source("fifo:/run/x") == ("fifo", "/run/x")
    assert parse_source("tcp:127.0.0.1:7000") == ("tcp", ("127.0.0.1", 7000))
    assert parse_targets("106a, 212F") == ("106A", "212F")


def test_open_errors_say_what_to_do():
    import errno

    assert translate_open_error("/dev/nope", FileNotFoundError(errno.ENOENT, "x")).unplugged
    perm = translate_open_error("/dev/ttyUSB0", PermissionError(errno.EACCES, "x"))
    assert not perm.unplugged and "dialout" in str(perm)
    busy = translate_nfc_error("usb", OSError(errno.EBUSY, "busy"))
    assert "pn533_usb" in str(busy) and "blacklist" in str(busy) and not busy.unplugged
    access = translate_nfc_error("usb", OSError(errno.EACCES, "denied"))
    assert "udev" in str(access) and "plugdev" in str(access)
    assert translate_nfc_error("usb", OSError(errno.ENODEV, "gone")).unplugged


def test_a_plugged_reader_that_nfcpy_skips_is_explained(monkeypatch):
    # no USB reader can be plugged into this machine: stand in for libusb's device list only
    from nfc.clf import transport

    from plateau.devices.nfc_reader import diagnose_usb

    monkeypatch.setattr(transport.USB, "find", staticmethod(lambda path: [(0x072F, 0x2200, 1, 7)]))
    err = diagnose_usb("usb")
    assert err is not None and not err.unplugged
    assert "072f:2200" in str(err) and "pn533_usb" in str(err)
    monkeypatch.setattr(transport.USB, "find", staticmethod(lambda path: [(0x1234, 0x5678, 1, 7)]))
    assert diagnose_usb("usb") is None            # not a reader nfcpy supports: just "not found"


def test_a_us_layout_reader_on_a_french_azerty_desktop():
    from plateau.devices.wedge import WedgeAssembler, reader_char

    # key codes (X11/evdev) of the digit row and of the "a" key give what the reader meant
    assert [reader_char(t, k) for t, k in [("&", 10), ("é", 11), ("à", 19), ("q", 38), ("Q", 38), ("b", 56)]] \
        == ["1", "2", "0", "a", "A", "b"]
    # without key codes, the AZERTY characters are mapped back
    azerty = '&q"b' + "'c(d"          # what "1a3b4c5d" becomes on AZERTY
    assert "".join(reader_char(c) for c in azerty) == "1a3b4c5d"
    asm = WedgeAssembler()
    for i, ch in enumerate(azerty):
        asm.key(reader_char(ch), i * 0.005)
    assert asm.enter(0.05) == ("1A3B4C5D", [])
    assert reader_char("x") == "x" and reader_char("1", 0) == "1"
