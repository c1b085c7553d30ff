"""Serial readers over a REAL pty pair with pyserial: frames, noise, splits, unplug and replug."""

from __future__ import annotations

import logging
import os
import time
from datetime import timezone

import pytest

from plateau.devices.base import ReaderState
from plateau.devices.frames import rdm6300_frame
from plateau.devices.serial_reader import SerialReader

from .support import Collector, PtyDevice, wait_for

TAG = "01000734E0"                      # the RDM6300 example of docs/readers.md
FRAME = rdm6300_frame(TAG)              # 02 "01000734E0" "D2" 03
OTHER = "0F0368568B"


@pytest.fixture
def device(tmp_path):
    dev = PtyDevice(tmp_path)
    yield dev
    dev.close()


@pytest.fixture
def reader_on(device):
    started = []

    def start(**kwargs):
        kwargs.setdefault("debounce_ms", 1500)
        reader = SerialReader(device.path, name="self-1", **kwargs)
        got = Collector()
        reader.start(got.on_read, got.on_state)
        assert got.wait_state(ReaderState.READY), got.states
        started.append(reader)
        return reader, got

    yield start
    for reader in started:
        reader.stop()


def test_a_valid_frame_is_one_normalised_read(device, reader_on):
    reader, got = reader_on()
    device.write(FRAME)
    assert got.wait_reads(1)
    [read] = got.reads
    assert read.uid == TAG and read.reader == "self-1" and read.raw == FRAME.hex()
    assert read.at.tzinfo is timezone.utc
    assert got.threads == {"reader-self-1"}      # callbacks come from the reader's own thread


def test_bad_checksum_is_rejected_and_logged(device, reader_on, caplog):
    reader, got = reader_on()
    with caplog.at_level(logging.WARNING, logger="plateau.devices"):
        device.write(rdm6300_frame(TAG, checksum="D3"))
        assert wait_for(lambda: reader.rejected == 1)
    assert got.reads == []
    assert "bad checksum D3, expected D2" in caplog.text and rdm6300_frame(TAG, "D3").hex() in caplog.text
    device.write(FRAME)
    assert got.wait_reads(1) and got.uids == [TAG]


def test_noise_and_garbage_between_frames(device, reader_on):
    reader, got = reader_on(debounce_ms=0)
    device.write(b"\x00\xff\xfe~~" + FRAME + b"\r\n\x13\x37\x02\x02" + FRAME + b"zz")
    assert got.wait_reads(2)
    assert got.uids == [TAG, TAG]
    assert wait_for(lambda: reader.rejected >= 2)


def test_frame_split_byte_by_byte(device, reader_on):
    reader, got = reader_on()
    for byte in FRAME:
        device.write(bytes([byte]))
        time.sleep(0.003)
    assert got.wait_reads(1) and got.uids == [TAG]


def test_two_frames_in_one_read(device, reader_on):
    reader, got = reader_on()
    device.write(FRAME + rdm6300_frame(OTHER))
    assert got.wait_reads(2) and got.uids == [TAG, OTHER]


def test_a_tag_held_in_the_field_is_read_once(device, reader_on):
    reader, got = reader_on(debounce_ms=500)
    for _ in range(10):                  # the module repeats the frame while the tag is there
        device.write(FRAME)
        time.sleep(0.1)
    time.sleep(0.1)
    assert got.uids == [TAG]
    time.sleep(0.6)                      # taken away, presented again
    device.write(FRAME)
    assert got.wait_reads(2)


def test_unplugged_mid_read_then_plugged_back(device, reader_on):
    reader, got = reader_on()
    device.write(FRAME[:6])                      # half a frame, then the cable is pulled
    time.sleep(0.05)
    unplugged_at = time.monotonic()
    device.unplug()
    assert got.wait_state(ReaderState.UNPLUGGED, since=unplugged_at, timeout=2.0)
    assert got.state_after(unplugged_at, ReaderState.UNPLUGGED) - unplugged_at < 2.0
    assert reader.state == ReaderState.UNPLUGGED
    time.sleep(0.5)                              # stays unplugged a while: retries with backoff
    plugged_at = time.monotonic()
    device.plug()
    assert got.wait_state(ReaderState.READY, since=plugged_at, timeout=3.0)
    device.write(FRAME[6:] + FRAME)             # the stale half frame is not glued to new bytes
    assert got.wait_reads(1) and got.uids == [TAG]
    assert reader.rejected == 1                  # the tail of the old frame, as noise


def test_unplug_noticed_when_idle_and_the_log_says_so(device, reader_on, caplog):
    reader, got = reader_on()
    with caplog.at_level(logging.WARNING, logger="plateau.devices"):
        t = time.monotonic()
        device.unplug()
        assert got.wait_state(ReaderState.UNPLUGGED, since=t, timeout=2.0)
        assert wait_for(lambda: "event=open_failed" in caplog.text, 2.0)
    assert "reader unplugged?" in caplog.text and device.path in caplog.text


def test_a_reader_absent_at_start_is_waited_for(tmp_path):
    path = tmp_path / "later"
    reader = SerialReader(str(path), name="late")
    got = Collector()
    reader.start(got.on_read, got.on_state)
    try:
        assert got.wait_state(ReaderState.UNPLUGGED)
        dev = PtyDevice(tmp_path, "later")
        assert got.wait_state(ReaderState.READY, timeout=3.0)
        dev.write(FRAME)
        assert got.wait_reads(1)
        dev.close()
    finally:
        reader.stop()


def test_line_reader_with_prefix_and_decimal_model(device, reader_on):
    reader, got = reader_on(protocol="line", uid_format="decimal", prefix="ID=")
    device.write(b"ID=0439041101\r\nID=04")
    assert got.wait_reads(1)
    device.write(b"47041101\r\nnot-a-uid\r\n")
    assert got.wait_reads(2)
    assert got.uids == ["1A2B3C4D", "1AA54E4D"]   # 0447041101 = 0x1AA54E4D, split over two reads
    assert wait_for(lambda: reader.rejected == 1)


def test_stop_returns_within_a_second_and_releases_the_port(device, reader_on):
    reader, got = reader_on()
    t = time.monotonic()
    reader.stop()
    assert time.monotonic() - t < 1.0
    assert not reader.is_alive() and reader.state == ReaderState.STOPPED
    fds = os.listdir("/proc/self/fd")
    assert not any(os.path.realpath(f"/proc/self/fd/{fd}") == os.path.realpath(device.path)
                   for fd in fds if os.path.exists(f"/proc/self/fd/{fd}"))


def test_a_port_held_by_another_program_is_an_error_until_released(device):
    import fcntl

    holder = os.open(device.path, os.O_RDWR | os.O_NOCTTY)
    fcntl.flock(holder, fcntl.LOCK_EX | fcntl.LOCK_NB)      # as a second Plateau would
    reader = SerialReader(device.path, name="second", retry_first=0.05, retry_max=0.2)
    got = Collector()
    reader.start(got.on_read, got.on_state)
    try:
        assert got.wait_state(ReaderState.ERROR)
        assert "busy" in reader.detail
        os.close(holder)
        assert got.wait_state(ReaderState.READY, timeout=2.0)
        device.write(FRAME)
        assert got.wait_reads(1)
    finally:
        reader.stop()
