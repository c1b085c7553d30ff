"""Endurance of the readers (`make soak`): many unplug/replug cycles, many card presentations."""

from __future__ import annotations

import time

import pytest

from plateau.devices.base import ReaderState
from plateau.devices.frames import rdm6300_frame
from plateau.devices.nfc_reader import NfcReader
from plateau.devices.serial_reader import SerialReader

from .nfc_emulator import TagEmulator, free_udp_port
from .support import Collector, PtyDevice

pytestmark = pytest.mark.soak


def test_serial_reader_survives_forty_cable_pulls(tmp_path):
    device = PtyDevice(tmp_path)
    reader = SerialReader(device.path, name="soak", debounce_ms=0)
    got = Collector()
    reader.start(got.on_read, got.on_state)
    try:
        assert got.wait_state(ReaderState.READY)
        for cycle in range(40):
            device.write(rdm6300_frame(f"{cycle:010X}")[:5])           # pulled mid-frame
            t = time.monotonic()
            device.unplug()
            assert got.wait_state(ReaderState.UNPLUGGED, since=t, timeout=2.0), cycle
            time.sleep(0.05 * (cycle % 5))
            t = time.monotonic()
            device.plug()
            assert got.wait_state(ReaderState.READY, since=t, timeout=3.0), cycle
            device.write(rdm6300_frame(f"{cycle:010X}"))
            assert got.wait_reads(cycle + 1), cycle
        assert got.uids == [f"{c:010X}" for c in range(40)]
    finally:
        reader.stop()
        device.close()


def test_nfc_reader_reads_sixty_presentations_exactly_once_each():
    port = free_udp_port()
    reader = NfcReader(f"udp:127.0.0.1:{port}", targets="106A", name="soak-nfc", debounce_ms=0)
    got = Collector()
    reader.start(got.on_read, got.on_state)
    cards = [TagEmulator(port, "1A2B3C4D", "classic"), TagEmulator(port, "04A1B2C3D4E5F6", "tt2"),
             TagEmulator(port, "04112233445566", "tt4a")]
    try:
        for i in range(60):
            card = cards[i % 3]
            card.present()
            assert got.wait_reads(i + 1, timeout=4.0), i
            time.sleep(0.3)                       # lies on the reader a little
            card.remove()
            time.sleep(0.4)
        assert len(got.uids) == 60
        assert got.uids == [c.uid.hex().upper() for c in cards] * 20
    finally:
        for card in cards:
            card.close()
        reader.stop()
