"""`plateau reader` as a real process on a pty reader: what an installer runs to try a reader."""

from __future__ import annotations

import subprocess
import sys
import time

from plateau.devices.frames import rdm6300_frame

from .support import PtyDevice


def test_plateau_reader_prints_canonical_uids_and_states(tmp_path):
    device = PtyDevice(tmp_path)
    config = tmp_path / "station.toml"
    config.write_text(f'[reader]\nkind = "serial"\ndevice = "{device.path}"\nprotocol = "rdm6300"\n')
    proc = subprocess.Popen([sys.executable, "-m", "plateau.cli", "reader", "--config", str(config),
                             "--count", "2", "--seconds", "15"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 10
        line = ""
        while "ready" not in line and time.monotonic() < deadline:
            line = proc.stderr.readline()
        assert "reader ready" in line
        device.write(rdm6300_frame("01000734E0") + rdm6300_frame("0F0368568B"))
        out, err = proc.communicate(timeout=15)
    finally:
        if proc.poll() is None:
            proc.kill()
        device.close()
    assert proc.returncode == 0, err
    assert out.split() == ["01000734E0", "0F0368568B"]


def test_plateau_reader_refuses_a_bad_reader_setting_in_one_line(tmp_path):
    config = tmp_path / "station.toml"
    config.write_text('[reader]\nkind = "serial"\n')
    proc = subprocess.run([sys.executable, "-m", "plateau.cli", "reader", "--config", str(config)],
                          capture_output=True, text=True, timeout=30)
    assert proc.returncode == 2
    assert proc.stderr.strip().splitlines() == [
        f"plateau reader: error: {config}: [reader] device is required for a serial reader (e.g. /dev/ttyUSB0)"]
