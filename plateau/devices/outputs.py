"""Station outputs: a gate/turnstile relay on a serial port, and accept/refuse sounds.

Both are optional and neither may ever hold up the kiosk: the gate pulses on its own thread,
sounds play asynchronously through QtMultimedia, and a missing device means silence (and
one log line), not an error screen.

Gate relays sold for this are driven one of two ways, both supported (`gate_mode`):

* ``rts`` / ``dtr``: a modem-control line of a USB-serial adapter drives the relay coil
  (raised for `gate_pulse_ms`, then lowered);
* ``bytes``: a USB relay board with a serial command set (e.g. the common LCUS-1 boards:
  ``A00101A2`` closes relay 1, ``A00100A1`` opens it), written at `gate_baudrate`.
"""

from __future__ import annotations

import logging
import os
import queue
import threading
import time

log = logging.getLogger(__name__)

GATE_MODES = ("rts", "dtr", "bytes")


def parse_hex_bytes(text: str, what: str = "bytes") -> bytes:
    cleaned = "".join(text.split()).replace(":", "")
    try:
        return bytes.fromhex(cleaned)
    except ValueError:
        raise ValueError(f"{what}: {text!r} is not hexadecimal bytes (e.g. A00101A2)") from None


class Gate:
    """Pulses a relay on a serial port when a passage is accepted; `pulse()` never blocks.

    Owns one `threading.Thread` (``gate``) that opens the port, and is the only thread touching
    it: pulses queue up there, and a port that fails is reopened at the next pulse (the lunch
    goes on, the error is logged). With no device configured every call is a no-op.
    """

    def __init__(self, device: str = "", *, mode: str = "rts", pulse_ms: int = 800, baudrate: int = 9600,
                 open_bytes: str = "", close_bytes: str = "") -> None:
        if mode not in GATE_MODES:
            raise ValueError(f"gate mode must be one of {', '.join(GATE_MODES)}, not {mode!r}")
        if pulse_ms <= 0:
            raise ValueError("gate pulse must be a positive number of milliseconds")
        self.device, self.mode, self.pulse_s, self.baudrate = device, mode, pulse_ms / 1000.0, baudrate
        self.open_bytes = parse_hex_bytes(open_bytes, "gate_open_bytes") if open_bytes else b""
        self.close_bytes = parse_hex_bytes(close_bytes, "gate_close_bytes") if close_bytes else b""
        if mode == "bytes" and not self.open_bytes:
            raise ValueError("gate mode 'bytes' needs gate_open_bytes (e.g. A00101A2)")
        self._queue: queue.Queue[str] = queue.Queue()
        self._thread: threading.Thread | None = None
        self._port = None
        self.pulses = 0          # pulses actually sent to the device
        self.failures = 0

    @property
    def enabled(self) -> bool:
        return bool(self.device)

    def start(self) -> None:
        if self.enabled and self._thread is None:
            self._thread = threading.Thread(target=self._run, name="gate", daemon=True)
            self._thread.start()

    def pulse(self) -> None:
        """Open the gate for one person (call on an accepted passage)."""
        if not self.enabled:
            return
        self.start()
        self._queue.put("pulse")

    def stop(self, timeout: float = 2.0) -> None:
        thread = self._thread
        if thread is not None:
            self._queue.put("stop")
            thread.join(timeout)
            self._thread = None

    # -- the gate thread --------------------------------------------------------------------

    def _run(self) -> None:
        while True:
            command = self._queue.get()
            if command == "stop":
                break
            # pulses are not merged: a turnstile lets one person through per pulse, so two
            # pupils accepted within one pulse each get theirs, in order
            try:
                self._do_pulse()
            except Exception as exc:
                self.failures += 1
                log.warning("gate device=%r event=pulse_failed detail=%r", self.device, str(exc))
                self._close()
        self._close()

    def _open(self):
        if self._port is None:
            import serial  # here, not at import: a kiosk without a gate never loads pyserial for it

            if not os.path.exists(self.device):
                raise OSError(f"{self.device} not present (relay unplugged?)")
            port = serial.Serial()
            port.port, port.baudrate, port.timeout, port.write_timeout = self.device, self.baudrate, 0.5, 0.5
            # keep the relay released while opening (some adapters raise RTS/DTR on open)
            port.rts = port.dtr = False
            port.open()
            self._port = port
        return self._port

    def _do_pulse(self) -> None:
        port = self._open()
        if self.mode == "bytes":
            port.write(self.open_bytes)
            port.flush()
            time.sleep(self.pulse_s)
            if self.close_bytes:
                port.write(self.close_bytes)
                port.flush()
        else:
            setattr(port, self.mode, True)
            time.sleep(self.pulse_s)
            setattr(port, self.mode, False)
        self.pulses += 1
        log.debug("gate device=%r event=pulse mode=%s ms=%d", self.device, self.mode, int(self.pulse_s * 1000))

    def _close(self) -> None:
        port, self._port = self._port, None
        if port is not None:
            try:
                port.close()
            except Exception:
                pass


class Sounds:
    """Accept/refuse sounds through QtMultimedia's QSoundEffect; silent when there is no way to play.

    Create and call it on the Qt GUI thread: QSoundEffect plays asynchronously (the call returns
    at once). Silence, with one log line, when sounds are disabled, QtMultimedia cannot load,
    no audio output exists, or a file is missing or unreadable.
    """

    def __init__(self, accept_file: str = "", refuse_file: str = "", *, enabled: bool = True,
                 volume: float = 1.0) -> None:
        self._effects: dict[str, object] = {}
        self.silent_reason = ""
        if not enabled:
            self.silent_reason = "sounds disabled"
            return
        try:
            from PySide6.QtCore import QUrl
            from PySide6.QtMultimedia import QMediaDevices, QSoundEffect
        except ImportError as exc:
            self._silence(f"QtMultimedia unavailable: {exc}")
            return
        try:
            outputs = QMediaDevices.audioOutputs()
        except Exception as exc:  # a broken audio backend must not stop the kiosk
            self._silence(f"no audio backend: {exc}")
            return
        if not outputs:
            self._silence("no audio output device")
            return
        for name, path in (("accept", accept_file), ("refuse", refuse_file)):
            if not path:
                continue
            if not os.path.isfile(path) or not os.access(path, os.R_OK):
                log.warning("sounds event=missing_file sound=%s path=%r", name, path)
                continue
            effect = QSoundEffect()
            # loading is asynchronous: a file Qt cannot decode is reported here, then plays as silence
            effect.statusChanged.connect(lambda e=effect, n=name, p=path: e.status() == QSoundEffect.Status.Error
                                         and log.warning("sounds event=bad_file sound=%s path=%r", n, p))
            effect.setSource(QUrl.fromLocalFile(os.path.abspath(path)))
            effect.setVolume(max(0.0, min(1.0, volume)))
            self._effects[name] = effect
        if not self._effects:
            self._silence("no sound file configured")

    @property
    def silent(self) -> bool:
        return not self._effects

    def _silence(self, reason: str) -> None:
        self.silent_reason = reason
        log.info("sounds event=silent reason=%r", reason)

    def accept(self) -> None:
        self._play("accept")

    def refuse(self) -> None:
        self._play("refuse")

    def _play(self, name: str) -> None:
        effect = self._effects.get(name)
        if effect is None:
            return
        try:
            effect.stop()   # a quick second badge restarts the sound rather than queueing it
            effect.play()
        except Exception as exc:
            log.warning("sounds event=play_failed sound=%s detail=%r", name, str(exc))
