"""NFC readers through nfcpy: ACR122U, SCL3711, PN533-based, Sony RC-S380 (and nfcpy's `udp:` device).

The UID delivered is nfcpy's `tag.identifier`: the ISO 14443-3 A UID (4, 7 or 10 bytes), the
ISO 14443-3 B PUPI, or the FeliCa IDm, in the order the card sends them (the canonical order
of plateau.domain.uid). nfcpy holds the tag until it leaves the field, so a card lying on the
reader is read once per presentation; the debounce catches a card that bounces at the edge.
"""

from __future__ import annotations

import errno
import logging
import os
import socket

from plateau.devices.base import ReaderUnavailable
from plateau.devices.worker import ThreadedReader

log = logging.getLogger(__name__)

DEFAULT_TARGETS = ("106A", "106B", "212F")   # ISO 14443 A, ISO 14443 B, FeliCa
_VALID_TARGETS = {"106A", "212A", "424A", "106B", "212B", "424B", "212F", "424F"}

# What nfcpy's open() errors mean on a kiosk, worded for the person installing it.
_ACCESS = ("permission denied on the USB reader: install Plateau's udev rule "
           "(packaging/udev/) or add the station user to the 'plugdev' group, then replug the reader")
_BUSY = ("the USB reader is held by another driver: the kernel's pn533_usb/port100 NFC module is in the "
         "way (blacklist it: echo 'blacklist pn533_usb' > /etc/modprobe.d/plateau-nfc.conf, same for "
         "port100, then replug) or another program (pcscd) uses it")


class _QuietRetries(logging.Filter):
    """Drops nfcpy's repeated open messages ("searching for reader", "no reader available"): with
    the reader unplugged we retry every 2 s for hours, and our own log already says it once."""

    REPEATED = ("searching for reader on path", "no reader available on path")

    def __init__(self) -> None:
        super().__init__()
        self._seen: set[str] = set()

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if not message.startswith(self.REPEATED):
            if message.startswith("using "):
                self._seen.clear()  # a reader was found: say it again after the next unplug
            return True
        if message in self._seen:
            return False
        self._seen.add(message)
        return True


_quiet = _QuietRetries()


def parse_targets(text: str | tuple[str, ...]) -> tuple[str, ...]:
    items = tuple(t.strip().upper() for t in (text.split(",") if isinstance(text, str) else text) if t.strip())
    bad = [t for t in items if t not in _VALID_TARGETS]
    if not items or bad:
        raise ValueError(f"NFC targets must be a comma-separated list of {', '.join(sorted(_VALID_TARGETS))}"
                         + (f", not {', '.join(bad)}" if bad else ""))
    return items


def translate_nfc_error(path: str, exc: BaseException) -> ReaderUnavailable:
    """nfcpy/libusb errors → ReaderUnavailable with the fix in the message."""
    err = getattr(exc, "errno", None)
    if err in (errno.EACCES, errno.EPERM):
        return ReaderUnavailable(f"{path}: {_ACCESS}")
    if err == errno.EBUSY:
        return ReaderUnavailable(f"{path}: {_BUSY}")
    if err in (errno.ENODEV, errno.ENOENT, errno.ENXIO):
        return ReaderUnavailable(f"{path}: no NFC reader found (unplugged?)", unplugged=True)
    if isinstance(exc, ImportError):
        return ReaderUnavailable(f"{path}: nfcpy cannot load its USB layer ({exc}): install libusb-1.0-0")
    return ReaderUnavailable(f"{path}: cannot open the NFC reader: {exc}")


def diagnose_usb(path: str) -> ReaderUnavailable | None:
    """Why nfcpy found no reader on a USB `path` although one is plugged in, if we can tell.

    With a partial path ("usb", "usb:072f") nfcpy skips a reader it cannot open instead of saying
    why; the two usual causes on a kiosk are the device node's permissions (no udev rule) and a
    kernel NFC driver that claimed the reader first. None: no supported reader is plugged in.
    """
    if not path.startswith("usb"):
        return None
    try:
        from nfc.clf import device, transport

        found = [f for f in (transport.USB.find(path) or []) if (f[0], f[1]) in device.usb_device_map]
    except Exception:  # no libusb: the open error already said so
        return None
    if not found:
        return None
    vid, pid, bus, dev = found[0]
    node = f"/dev/bus/usb/{int(bus):03d}/{int(dev):03d}"
    if os.path.exists(node) and not os.access(node, os.R_OK | os.W_OK):
        return ReaderUnavailable(f"{path}: reader {vid:04x}:{pid:04x} found at {node}: {_ACCESS}")
    claimed = [drv for drv in ("pn533_usb", "port100")
               if any(entry.name[:1].isdigit() for entry in _listdir(f"/sys/bus/usb/drivers/{drv}"))]
    detail = f" ({', '.join(claimed)} bound)" if claimed else ""
    return ReaderUnavailable(f"{path}: reader {vid:04x}:{pid:04x} found but not usable{detail}: {_BUSY}")


def _listdir(path: str) -> list[os.DirEntry]:
    try:
        return list(os.scandir(path))
    except OSError:
        return []


class NfcReader(ThreadedReader):
    """A USB (or `udp:`) NFC reader through nfcpy; runs on its own `threading.Thread`.

    nfcpy's `ContactlessFrontend` is created, used and closed on that thread only, always with
    `terminate=`, so `stop()` is honoured between two polls. `_interrupt` (called by `stop()`
    from another thread) also shuts down the `udp:` device's socket, whose emulated polls
    otherwise wait up to a second per technology.
    """

    kind = "nfc"

    def __init__(self, path: str = "usb", *, targets: str | tuple[str, ...] = DEFAULT_TARGETS,
                 name: str = "reader", debounce_ms: int = 1500, beep: bool = False, **kwargs) -> None:
        super().__init__(name, debounce_ms=debounce_ms, **kwargs)
        self.path = path or "usb"
        self.targets = parse_targets(targets)
        self.beep = beep
        self._clf = None

    def describe(self) -> str:
        return self.path

    def _open(self) -> None:
        nfc_log = logging.getLogger("nfc.clf")
        if _quiet not in nfc_log.filters:
            nfc_log.addFilter(_quiet)
        try:
            import nfc  # noqa: F401 (imported here: the kiosk must start even if nfcpy cannot load)
            clf = nfc.ContactlessFrontend()
            found = clf.open(self.path)
        except (IOError, OSError, ImportError) as exc:
            raise translate_nfc_error(self.path, exc) from exc
        if not found:
            raise diagnose_usb(self.path) or ReaderUnavailable(
                f"{self.path}: no NFC reader found (unplugged? `python -m nfc` lists what nfcpy sees)",
                unplugged=True)
        self._clf = clf
        log.info("reader=%s event=opened device=%r", self.name, str(clf))

    def _on_connect(self, tag) -> bool:
        identifier = bytes(tag.identifier)
        log.debug("reader=%s raw=%s tag=%r", self.name, identifier.hex(), str(tag))
        if 3 <= len(identifier) <= 10:
            self._deliver(identifier.hex().upper(), identifier)
        else:
            self.rejected += 1
            log.warning("reader=%s event=rejected reason=%r raw=%s", self.name,
                        f"identifier of {len(identifier)} bytes", identifier.hex())
        return True  # keep the tag: nfcpy then waits until it leaves the field (one read per presentation)

    def _session(self) -> None:
        clf = self._clf
        assert clf is not None
        options = {"targets": list(self.targets), "on-connect": self._on_connect,
                   "on-release": lambda tag: True, "iterations": 1, "interval": 0.05,
                   "beep-on-connect": self.beep}
        while not self.stopping.is_set():
            try:
                result = clf.connect(rdwr=options, terminate=self.stopping.is_set)
            except Exception as exc:
                if self.stopping.is_set():
                    return  # `_interrupt` shut the udp socket under nfcpy's feet: expected
                if not isinstance(exc, (IOError, OSError)):
                    raise
                result, error = False, exc
            else:
                error = None
            if self.stopping.is_set():
                return
            if result is False:
                # nfcpy returns False after logging an IOError: the reader went away
                raise ReaderUnavailable(f"{self.path}: reader stopped answering"
                                        + (f" ({error})" if error else "") + " (unplugged?)", unplugged=True)

    def _close(self) -> None:
        clf, self._clf = self._clf, None
        if clf is not None:
            try:
                clf.close()
            except Exception:
                pass

    def _interrupt(self) -> None:
        clf = self._clf
        sock = getattr(getattr(clf, "device", None), "socket", None)
        if isinstance(sock, socket.socket):
            try:
                sock.shutdown(socket.SHUT_RDWR)  # wakes the udp driver's select(); USB polls are short anyway
            except OSError:
                pass
