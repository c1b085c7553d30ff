"""The kiosk's camera as a reader of phone badges: QR codes decoded with zxing-cpp.

Two parts, as everywhere in `devices/`: `decode_frame` and `FrameDecoder` have no Qt camera in
them (a frame in, phone-badge texts out, on their own thread), and `CameraReader` is the Qt
side, which owns a QCamera and a QVideoSink on the GUI thread (QtMultimedia delivers frames to
the thread the sink lives on) and hands at most one frame at a time to the decoder's thread.

Why a thread of its own: zxing-cpp takes a few to tens of milliseconds per 640×480 frame, which
the GUI thread cannot spare while it paints answers; frames that arrive while one is being
decoded are dropped (the next one shows the same phone). Only texts that are phone badges
(`PLT1:...`) are read; any other QR code in view is ignored. A phone held in front of the camera
is seen in many frames: the same text is reported once per `debounce_ms`, and a screenshot
passed down the queue is refused by the station's replay check, not here.
"""

from __future__ import annotations

import logging
import threading
from datetime import datetime, timezone
from typing import Callable

from plateau.devices.base import BadgeRead, OnRead, OnState, ReaderState
from plateau.devices.debounce import Debouncer
from plateau.domain.phone_badge import is_payload

log = logging.getLogger(__name__)


def decode_frame(image) -> list[str]:
    """The phone-badge texts in one image (a QImage, a PIL image or a grayscale buffer)."""
    import zxingcpp

    found = zxingcpp.read_barcodes(image, formats=zxingcpp.BarcodeFormat.QRCode)
    return [b.text for b in found if is_payload(b.text)]


class FrameDecoder:
    """Decodes frames on its own thread ("camera-decode"), one at a time; `offer` never blocks
    (it drops the frame when the thread is busy). Calls `on_text(text)` on that thread."""

    def __init__(self, on_text: Callable[[str], None], *, debounce_ms: int = 1500,
                 decode: Callable[[object], list[str]] = decode_frame) -> None:
        self._on_text, self._decode = on_text, decode
        self._debounce = Debouncer(debounce_ms)
        self._frame = None
        self._ready = threading.Condition()
        self._stopping = False
        self._thread = threading.Thread(target=self._run, name="camera-decode", daemon=True)
        self.dropped = 0

    def start(self) -> None:
        self._thread.start()

    def offer(self, frame) -> bool:
        """Hand a frame over; False (dropped) while the previous one is still being decoded."""
        with self._ready:
            if self._frame is not None:
                self.dropped += 1
                return False
            self._frame = frame
            self._ready.notify()
            return True

    def busy(self) -> bool:
        with self._ready:
            return self._frame is not None

    def stop(self, timeout: float = 1.0) -> None:
        with self._ready:
            self._stopping = True
            self._ready.notify()
        if self._thread.is_alive():
            self._thread.join(timeout)

    def _run(self) -> None:
        while True:
            with self._ready:
                while self._frame is None and not self._stopping:
                    self._ready.wait()
                if self._stopping:
                    return
                frame = self._frame
            try:
                texts = self._decode(frame)
            except Exception:  # a bad frame must not end the camera: log it, take the next one
                log.exception("reader=camera event=decode-failed")
                texts = []
            finally:
                with self._ready:
                    self._frame = None
            for text in texts:
                if self._debounce.accept(text):
                    log.debug("reader=camera event=read text=%s", text.rsplit(":", 1)[0])
                    self._on_text(text)


class CameraReader:
    """The kiosk camera behind the reader port (`plateau.devices.base.BadgeReader`).

    `start()` must be called on the GUI thread (it creates the QCamera and its sink there);
    decoding runs on the "camera-decode" thread, and `on_read`/`on_state` are called from that
    thread or the GUI thread (the kiosk's bridge forwards them with queued signals)."""

    def __init__(self, device: str = "", *, name: str = "camera", debounce_ms: int = 1500,
                 interval_ms: int = 100) -> None:
        self.name, self._device, self._interval_ms = name, device, interval_ms
        self._debounce_ms = debounce_ms
        self._state = ReaderState.STOPPED
        self._camera = self._session = self._sink = self._decoder = None
        self._last_offer = 0.0

    @property
    def state(self) -> ReaderState:
        return self._state

    def start(self, on_read: OnRead, on_state: OnState) -> None:
        import time

        from PySide6.QtMultimedia import QCamera, QMediaCaptureSession, QMediaDevices, QVideoSink

        def report(state: ReaderState, detail: str = "") -> None:
            self._state = state
            on_state(state, detail)

        def read(text: str) -> None:
            on_read(BadgeRead(text, self.name, datetime.now(timezone.utc), raw=text))

        report(ReaderState.STARTING)
        devices = QMediaDevices.videoInputs()
        chosen = next((d for d in devices if self._device in (bytes(d.id()).decode(errors="replace"),
                                                              d.description())), None) \
            if self._device else (QMediaDevices.defaultVideoInput() if devices else None)
        if chosen is None or chosen.isNull():
            report(ReaderState.UNPLUGGED, f"no camera {self._device!r}" if self._device else "no camera")
            return
        self._decoder = FrameDecoder(read, debounce_ms=self._debounce_ms)
        self._decoder.start()
        self._camera, self._session, self._sink = QCamera(chosen), QMediaCaptureSession(), QVideoSink()
        self._session.setCamera(self._camera)
        self._session.setVideoSink(self._sink)

        def on_frame(frame) -> None:  # GUI thread: convert and hand over, never decode here
            now = time.monotonic()
            if (now - self._last_offer) * 1000 < self._interval_ms or self._decoder.busy():
                return
            self._last_offer = now
            image = frame.toImage()
            if not image.isNull():
                self._decoder.offer(image.convertToFormat(image.Format.Format_Grayscale8))

        self._sink.videoFrameChanged.connect(on_frame)
        self._camera.errorOccurred.connect(lambda _e, text: report(ReaderState.ERROR, text))
        self._camera.start()
        report(ReaderState.READY, chosen.description())

    def stop(self, timeout: float = 1.0) -> None:
        if self._camera is not None:
            self._camera.stop()
        if self._decoder is not None:
            self._decoder.stop(timeout)
        self._state = ReaderState.STOPPED
