"""Serial badge readers (pyserial): RDM6300/EM4100 125 kHz modules and line-based readers.

USB-serial readers appear as /dev/ttyUSB*, /dev/ttyACM* (or a stable udev symlink such as
/dev/plateau-reader). Unplugging one makes reads fail (EIO) or its device node vanish; both
are noticed within `LIVENESS_S` and reported as UNPLUGGED, then the port is reopened with
backoff until the reader is back.
"""

from __future__ import annotations

import errno
import logging
import os

import serial

from plateau.devices.base import ReaderUnavailable
from plateau.devices.frames import make_parser
from plateau.devices.worker import ThreadedReader

log = logging.getLogger(__name__)

READ_TIMEOUT_S = 0.2     # a blocking read wakes this often to check `stopping` and liveness
LIVENESS_S = 0.5         # without data, check that the device node still exists this often


def translate_open_error(device: str, exc: BaseException) -> ReaderUnavailable:
    """pyserial/OS errors at open → our error with a sentence an installer can act on."""
    err = getattr(exc, "errno", None)
    if err is None and exc.__context__ is not None:
        err = getattr(exc.__context__, "errno", None)
    if err in (errno.ENOENT, errno.ENODEV, errno.ENXIO):
        return ReaderUnavailable(f"{device}: not present (reader unplugged?)", unplugged=True)
    if err in (errno.EACCES, errno.EPERM):
        return ReaderUnavailable(f"{device}: permission denied: add the station user to the 'dialout' group "
                                 f"or install Plateau's udev rule")
    if err in (errno.EBUSY, errno.EAGAIN):  # EAGAIN: the exclusive lock is held by another process
        return ReaderUnavailable(f"{device}: busy: another program holds the port (ModemManager, a second "
                                 f"Plateau?)")
    if not os.path.exists(device):
        return ReaderUnavailable(f"{device}: not present (reader unplugged?)", unplugged=True)
    return ReaderUnavailable(f"{device}: cannot open: {exc}")


class SerialReader(ThreadedReader):
    """A reader on a serial port, speaking `protocol` (rdm6300 | line).

    Runs on its own `threading.Thread` (see ThreadedReader): pyserial is only touched there,
    except `cancel_read`, which pyserial documents as callable from another thread.
    """

    kind = "serial"

    def __init__(self, device: str, *, protocol: str = "rdm6300", baudrate: int = 9600,
                 uid_format: str = "hex", prefix: str = "", suffix: str = "",
                 name: str = "reader", debounce_ms: int = 1500, **kwargs) -> None:
        super().__init__(name, debounce_ms=debounce_ms, **kwargs)
        self.device = device
        self.protocol, self.baudrate = protocol, baudrate
        self._parser_args = (protocol, uid_format, prefix, suffix)
        make_parser(*self._parser_args)  # a bad protocol fails here, at start, not in the thread
        self._port: serial.Serial | None = None

    def describe(self) -> str:
        return self.device

    def _open(self) -> None:
        try:
            port = serial.Serial()
            port.port, port.baudrate = self.device, self.baudrate
            port.bytesize, port.parity, port.stopbits = serial.EIGHTBITS, serial.PARITY_NONE, serial.STOPBITS_ONE
            port.timeout = READ_TIMEOUT_S
            # exclusive: two processes reading one reader would each get half of the frames
            port.exclusive = True
            port.open()
        except (serial.SerialException, OSError, ValueError) as exc:
            raise translate_open_error(self.device, exc) from exc
        self._port = port

    def _session(self) -> None:
        port = self._port
        assert port is not None
        parser = make_parser(*self._parser_args)
        idle = 0.0
        while not self.stopping.is_set():
            try:
                # read(1) returns as soon as one byte is there; then take what is buffered
                data = port.read(1)
                if data and port.in_waiting:
                    data += port.read(port.in_waiting)
            except (serial.SerialException, OSError, TypeError, AttributeError) as exc:
                # TypeError/AttributeError: pyserial after cancel_read/close from stop()
                if self.stopping.is_set():
                    return
                raise ReaderUnavailable(f"{self.device}: read failed ({exc}): reader unplugged?",
                                        unplugged=True) from exc
            if data:
                idle = 0.0
                log.debug("reader=%s raw=%s", self.name, data.hex())
                self._handle(parser.feed(data))
            else:
                idle += READ_TIMEOUT_S
                if idle >= LIVENESS_S:
                    idle = 0.0
                    if not os.path.exists(self.device):
                        raise ReaderUnavailable(f"{self.device}: disappeared (reader unplugged?)", unplugged=True)

    def _close(self) -> None:
        port, self._port = self._port, None
        if port is not None:
            try:
                port.close()
            except Exception:  # closing a vanished device may fail; nothing to save
                pass

    def _interrupt(self) -> None:
        port = self._port
        if port is not None:
            try:
                port.cancel_read()
            except Exception:
                pass
