"""The kiosk camera's decoding, on real images of a phone badge's QR code: drawn by segno (the
library the server uses), then made to look photographed with Pillow (a phone on a grey
background, scaled, rotated, a little blurred and dimmed), decoded by zxing-cpp as the camera
reader does, from a PIL image and from the Grayscale8 QImage the Qt side hands over."""

from __future__ import annotations

import io
import threading
import time

import pytest
import segno
from PIL import Image, ImageEnhance, ImageFilter

from plateau.devices.camera import FrameDecoder, decode_frame

PAYLOAD = "PLT1:0691234X:1042:492039"


def qr_image(text: str = PAYLOAD, scale: int = 6) -> Image.Image:
    out = io.BytesIO()
    segno.make_qr(text, error="m").save(out, kind="png", scale=scale, border=4)
    return Image.open(io.BytesIO(out.getvalue())).convert("L")


def photographed(qr: Image.Image, *, size: int, angle: float, blur: float, frame=(640, 480),
                 contrast: float = 0.7) -> Image.Image:
    """The QR code as a phone screen seen by the kiosk camera: `size` px wide on a grey scene."""
    code = qr.resize((size, size), Image.Resampling.BILINEAR)
    code = code.rotate(angle, resample=Image.Resampling.BICUBIC, expand=True, fillcolor=255)
    scene = Image.new("L", frame, 110)
    scene.paste(code, ((frame[0] - code.width) // 2 + 17, (frame[1] - code.height) // 2 - 11))
    scene = ImageEnhance.Contrast(scene).enhance(contrast)
    return scene.filter(ImageFilter.GaussianBlur(blur))


@pytest.mark.parametrize("size,angle,blur", [
    (300, 0, 0.6), (220, 8, 0.8), (180, -15, 1.0), (260, 33, 1.2), (240, 90, 0.8), (160, 180, 0.7),
    (350, 47, 1.5)])
def test_a_photographed_phone_badge_decodes_to_its_text(size, angle, blur):
    image = photographed(qr_image(), size=size, angle=angle, blur=blur)
    assert decode_frame(image) == [PAYLOAD]


def test_the_grayscale_qimage_handed_over_by_the_qt_side_decodes_too(qapp):
    from PySide6.QtGui import QImage

    image = photographed(qr_image(), size=240, angle=12, blur=1.0).convert("RGB")
    data = image.tobytes()
    qimage = QImage(data, image.width, image.height, image.width * 3, QImage.Format.Format_RGB888)
    gray = qimage.convertToFormat(QImage.Format.Format_Grayscale8)
    assert decode_frame(gray) == [PAYLOAD]


def test_other_qr_codes_and_an_empty_scene_read_nothing():
    assert decode_frame(photographed(qr_image("https://example.org/menu"), size=240, angle=5, blur=0.8)) == []
    assert decode_frame(Image.new("L", (640, 480), 110)) == []


def test_the_decoder_thread_reports_a_phone_held_in_view_once_and_drops_frames_while_busy():
    texts: list[str] = []
    seen = threading.Event()
    decoder = FrameDecoder(lambda t: (texts.append(t), seen.set()), debounce_ms=1500)
    decoder.start()
    try:
        image = photographed(qr_image(), size=240, angle=5, blur=0.8)
        for _ in range(5):   # the same phone in five frames in a row
            while not decoder.offer(image):
                time.sleep(0.001)
        assert seen.wait(5)
        while decoder.busy():
            time.sleep(0.001)
    finally:
        decoder.stop()
    assert texts == [PAYLOAD]
