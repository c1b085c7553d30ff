"""The simulated reader (TCP on loopback, FIFO, stdin of a real process) and the gate relay on a pty."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import textwrap
import time

import pytest

from plateau.devices.base import ReaderState
from plateau.devices.outputs import Gate
from plateau.devices.simulated import SimulatedReader

from .support import Collector, PtyDevice, wait_for


def started(reader):
    got = Collector()
    reader.start(got.on_read, got.on_state)
    assert got.wait_state(ReaderState.READY)
    return got


def test_tcp_one_uid_per_line_from_several_clients():
    reader = SimulatedReader("tcp:127.0.0.1:0", name="sim", debounce_ms=0)
    got = started(reader)
    try:
        with socket.create_connection(reader.address, timeout=2) as a, \
                socket.create_connection(reader.address, timeout=2) as b:
            a.sendall(b"04a1b2c3d4e5f6\n1A2B")
            b.sendall(b"not a uid\r\n")
            assert got.wait_reads(1)
            a.sendall(b"3C4D\n")
            assert got.wait_reads(2)
        assert got.uids == ["04A1B2C3D4E5F6", "1A2B3C4D"]
        assert wait_for(lambda: reader.rejected == 1)
    finally:
        reader.stop()
    assert reader.state == ReaderState.STOPPED


def test_tcp_listener_refuses_non_loopback_addresses():
    with pytest.raises(ValueError, match="loopback"):
        SimulatedReader("tcp:0.0.0.0:7000")


def test_fifo_reader_keeps_reading_across_writers(tmp_path):
    path = tmp_path / "badges"
    reader = SimulatedReader(f"fifo:{path}", uid_format="decimal", name="fifo", debounce_ms=1500)
    got = started(reader)
    try:
        for line in (b"0439041101\n", b"0439041101\n", b"1295788826\n"):
            fd = os.open(path, os.O_WRONLY)       # each `echo > fifo` is a new writer
            os.write(fd, line)
            os.close(fd)
            time.sleep(0.05)
        assert got.wait_reads(2)
        time.sleep(0.1)
        # the repeated card is debounced; the reversed-decimal spelling is another card here
        assert got.uids == ["1A2B3C4D", f"{1295788826:08X}"]
    finally:
        reader.stop()


def test_stdin_of_a_real_process(tmp_path):
    script = textwrap.dedent("""
        import sys, time
        from plateau.devices.simulated import SimulatedReader
        reader = SimulatedReader("stdin", debounce_ms=0)
        reader.start(lambda r: print("READ", r.uid, flush=True), lambda s, d: None)
        time.sleep(1.0)
        reader.stop()
        print("STOPPED", reader.state.value, flush=True)
    """)
    proc = subprocess.run([sys.executable, "-c", script], input=b"1a2b3c4d\r\nzz\n04A1B2C3D4E5F6\n",
                          capture_output=True, timeout=20, cwd=os.getcwd())
    out = proc.stdout.decode()
    assert proc.returncode == 0, proc.stderr.decode()
    assert out.splitlines() == ["READ 1A2B3C4D", "READ 04A1B2C3D4E5F6", "STOPPED stopped"]


# -- the gate relay ------------------------------------------------------------------------------

def test_gate_writes_open_then_close_bytes_and_never_blocks(tmp_path):
    relay = PtyDevice(tmp_path, "relay")
    gate = Gate(relay.path, mode="bytes", pulse_ms=150, open_bytes="A0 01 01 A2", close_bytes="A00100A1")
    try:
        t = time.monotonic()
        gate.pulse()
        gate.pulse()
        assert time.monotonic() - t < 0.05               # the kiosk never waits for the relay
        received = relay.read(16)
        assert received == bytes.fromhex("A00101A2A00100A1") * 2
        assert wait_for(lambda: gate.pulses == 2)
    finally:
        gate.stop()
        relay.close()


def test_gate_failures_are_logged_and_the_next_pulse_retries(tmp_path, caplog):
    missing = tmp_path / "relay"
    gate = Gate(str(missing), mode="rts", pulse_ms=50)
    try:
        gate.pulse()
        assert wait_for(lambda: gate.failures == 1)
        assert "pulse_failed" in caplog.text and "relay unplugged?" in caplog.text
        relay = PtyDevice(tmp_path, "relay")
        gate.mode, gate.open_bytes = "bytes", b"\x01"      # a pty has no RTS line: use bytes
        gate.pulse()
        assert wait_for(lambda: gate.pulses == 1)
        assert relay.read(1) == b"\x01"
        relay.close()
    finally:
        gate.stop()


def test_no_gate_configured_is_a_no_op():
    gate = Gate("")
    gate.pulse()
    assert not gate.enabled and gate._thread is None


def test_rts_gate_on_a_port_without_modem_lines_fails_politely(tmp_path, caplog):
    relay = PtyDevice(tmp_path, "relay")            # a pty has no RTS line: the ioctl is refused
    gate = Gate(relay.path, mode="rts", pulse_ms=20)
    try:
        t = time.monotonic()
        gate.pulse()
        assert time.monotonic() - t < 0.05
        assert wait_for(lambda: gate.failures == 1)
        assert "pulse_failed" in caplog.text and "Inappropriate ioctl" in caplog.text
        assert gate.pulses == 0
    finally:
        gate.stop()
        relay.close()
