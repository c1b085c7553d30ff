"""The phone-badge readers' settings ([scanner], [camera]) and the camera reader on a machine
without a camera (this one): it says so and the kiosk goes on with its card reader."""

from __future__ import annotations

import pytest

from plateau.config import ConfigError, load_settings
from plateau.devices.base import ReaderState

BASE = '[station]\nid = "self-1"\nsite = "0691234X"\n'


def _settings(tmp_path, text, env=None):
    path = tmp_path / "station.toml"
    path.write_text(BASE + text, encoding="utf-8")
    return load_settings(path, env or {})


def test_a_scanner_and_a_camera_beside_a_serial_card_reader(tmp_path):
    s = _settings(tmp_path, '[reader]\nkind = "serial"\ndevice = "/dev/ttyUSB0"\n'
                            '[scanner]\nenabled = true\nprefix = "]Q1"\n[camera]\nenabled = true\n',
                  env={"PLATEAU_CAMERA_INTERVAL_MS": "150"})
    assert (s.scanner.enabled, s.scanner.prefix, s.camera.enabled, s.camera.interval_ms) == (True, "]Q1", True, 150)


def test_a_scanner_section_beside_a_keyboard_card_reader_is_refused_with_the_way_out(tmp_path):
    with pytest.raises(ConfigError, match=r"\[scanner\].*reads phone badges too"):
        _settings(tmp_path, '[reader]\nkind = "keyboard"\n[scanner]\nenabled = true\n')
    with pytest.raises(ConfigError, match="interval_ms"):
        _settings(tmp_path, '[camera]\nenabled = true\ninterval_ms = 0\n')


def test_without_a_camera_the_camera_reader_reports_it_unplugged(qapp):
    from plateau.devices.camera import CameraReader

    states = []
    reader = CameraReader("no-such-camera")
    reader.start(lambda read: None, lambda state, detail: states.append((state, detail)))
    try:
        assert states[0][0] is ReaderState.STARTING
        assert states[-1][0] in (ReaderState.UNPLUGGED, ReaderState.ERROR) and "camera" in states[-1][1]
    finally:
        reader.stop()
