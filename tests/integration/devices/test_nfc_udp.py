"""NFC reader with nfcpy's `udp:` device, against a second ContactlessFrontend emulating the cards."""

from __future__ import annotations

import logging
import time

import pytest

from plateau.devices.base import ReaderState
from plateau.devices.nfc_reader import NfcReader

from .nfc_emulator import FelicaEmulator, TagEmulator, free_udp_port
from .support import Collector, wait_for

# one udp sense cycle per technology costs up to 1 s when no card answers: poll only ISO 14443 A
# here (the default polls A, B and FeliCa; see test_default_targets_still_find_a_type_a_card)
TARGETS = "106A"


@pytest.fixture
def port():
    return free_udp_port()


@pytest.fixture
def reader(port):
    reader = NfcReader(f"udp:127.0.0.1:{port}", targets=TARGETS, name="nfc-1", debounce_ms=0)
    got = Collector()
    reader.start(got.on_read, got.on_state)
    assert got.wait_state(ReaderState.READY, timeout=3.0)
    yield reader, got
    reader.stop()


@pytest.fixture
def tags(port):
    made = []

    def make(uid, kind):
        tag = TagEmulator(port, uid, kind)
        made.append(tag)
        return tag

    yield make
    for tag in made:
        tag.close()


@pytest.mark.parametrize("uid,kind", [
    ("1A2B3C4D", "classic"),          # 4-byte NUID, SAK 08: the MIFARE Classic most schools hand out
    ("04A1B2C3D4E5F6", "tt2"),        # 7-byte NXP UID: Ultralight / NTAG (nfcpy probes it, re-selects it)
    ("08112233", "tt4a"),             # 4-byte random UID, ISO-DEP (DESFire, phones)
    ("04112233445566", "tt4a"),       # 7-byte DESFire UID
])
def test_each_presentation_is_read_once(reader, tags, uid, kind):
    nfc, got = reader
    tag = tags(uid, kind)
    tag.present()
    assert got.wait_reads(1, timeout=4.0), f"no read of {uid}"
    time.sleep(1.2)                              # the card lies on the reader: not read again
    assert got.uids == [uid]
    assert tag.activations == 1
    tag.remove()
    time.sleep(0.6)                              # taken away, presented again: read again
    tag.present()
    assert got.wait_reads(2, timeout=4.0)
    assert got.uids == [uid, uid]
    assert got.reads[0].reader == "nfc-1" and got.threads == {"reader-nfc-1"}


def test_two_cards_one_after_the_other(reader, tags):
    nfc, got = reader
    first, second = tags("1A2B3C4D", "classic"), tags("04A1B2C3D4E5F6", "tt2")
    first.present()
    assert got.wait_reads(1, timeout=4.0)
    first.remove()
    time.sleep(0.5)
    first.close()
    second.present()
    assert got.wait_reads(2, timeout=4.0)
    assert got.uids == ["1A2B3C4D", "04A1B2C3D4E5F6"]


def test_worker_stops_within_a_second_while_polling(port):
    nfc = NfcReader(f"udp:127.0.0.1:{port}", name="nfc-2")   # default targets: A, B, FeliCa
    got = Collector()
    nfc.start(got.on_read, got.on_state)
    assert got.wait_state(ReaderState.READY)
    time.sleep(0.3)                              # in the middle of a poll that waits for an answer
    t = time.monotonic()
    nfc.stop()
    assert time.monotonic() - t < 1.0
    assert not nfc.is_alive() and nfc.state == ReaderState.STOPPED


def test_worker_stops_within_a_second_with_a_card_on_the_reader(reader, tags):
    nfc, got = reader
    tag = tags("04A1B2C3D4E5F6", "tt2")
    tag.present()
    assert got.wait_reads(1, timeout=4.0)
    t = time.monotonic()
    nfc.stop()
    assert time.monotonic() - t < 1.0 and not nfc.is_alive()


def test_default_targets_still_find_a_type_a_card(port, tags):
    nfc = NfcReader(f"udp:127.0.0.1:{port}", name="nfc-3", debounce_ms=0)
    got = Collector()
    nfc.start(got.on_read, got.on_state)
    try:
        tags("08112233", "tt4a").present()
        assert got.wait_reads(1, timeout=5.0) and got.uids == ["08112233"]
    finally:
        nfc.stop()


def test_no_reader_on_the_usb_bus_is_reported_as_unplugged_and_retried(caplog):
    caplog.set_level(logging.INFO)
    # this machine has no USB NFC reader: nfcpy finds nothing on "usb"
    nfc = NfcReader("usb", name="nfc-usb", retry_first=0.05, retry_max=0.1)
    got = Collector()
    nfc.start(got.on_read, got.on_state)
    try:
        assert got.wait_state(ReaderState.UNPLUGGED, timeout=3.0)
        assert "no NFC reader found" in nfc.detail
        assert wait_for(lambda: "event=open_failed" in caplog.text, 2.0)
        time.sleep(0.6)
        assert nfc.open_attempts >= 3                          # several retries later...
        assert caplog.text.count("event=open_failed") == 1    # ...one line per problem, ours
        assert caplog.text.count("no reader available") <= 1  # and nfcpy's
    finally:
        nfc.stop()


@pytest.mark.parametrize("targets,make,uid", [
    ("106B", lambda port: TagEmulator(port, "A1B2C3D4", "tt4b"), "A1B2C3D4"),          # ISO 14443 B PUPI
    ("212F", lambda port: FelicaEmulator(port, "012E4CD5A6B7C8D9"), "012E4CD5A6B7C8D9"),  # FeliCa IDm
])
def test_type_b_and_felica_cards_read_once_per_presentation(port, targets, make, uid):
    nfc = NfcReader(f"udp:127.0.0.1:{port}", targets=targets, name="nfc-bf", debounce_ms=0)
    got = Collector()
    nfc.start(got.on_read, got.on_state)
    card = make(port)
    try:
        card.present()
        assert got.wait_reads(1, timeout=4.0)
        time.sleep(1.0)
        assert got.uids == [uid]
        card.remove()
        time.sleep(0.6)
        card.present()
        assert got.wait_reads(2, timeout=4.0) and got.uids == [uid, uid]
    finally:
        card.close()
        nfc.stop()
