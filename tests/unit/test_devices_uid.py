"""One card, one canonical UID, whatever reader reads it: public vectors through every reader path.

The same bytes arrive as an NFC identifier, an RDM6300 frame, a line from a serial reader, a
keyboard burst or a simulator line; each path must end at the same canonical UID so the card
finds the same person.
"""

from __future__ import annotations

import pytest

from plateau.devices.frames import Frame, LineParser, Rdm6300Parser
from plateau.devices.wedge import WedgeAssembler
from plateau.domain.uid import em4100_short_forms, normalize_uid

MIFARE = "1A2B3C4D"          # a MIFARE Classic NUID
SPELLINGS = [("hex", "1a:2b:3c:4d"), ("hex-reversed", "4D3C2B1A"), ("decimal", "0439041101"),
             ("decimal-reversed", "1295788826")]


def _burst(fmt: str, text: str) -> str | None:
    asm = WedgeAssembler(uid_format=fmt)
    for i, ch in enumerate(text):
        asm.key(ch, i * 0.005)
    return asm.enter(len(text) * 0.005)[0]


@pytest.mark.parametrize("fmt,text", SPELLINGS)
def test_a_mifare_card_through_every_reader_path(fmt, text):
    nfc = normalize_uid(bytes.fromhex(MIFARE))                   # what nfcpy's tag.identifier gives
    [line] = LineParser(fmt).feed(text.encode() + b"\r\n")        # serial line reader
    assert isinstance(line, Frame)
    assert nfc == line.uid == _burst(fmt, text) == MIFARE         # keyboard wedge


def test_seven_byte_ultralight_uid_decimal_reader():
    # an NTAG/Ultralight UID; a decimal wedge reader types its 7 bytes as one integer
    uid = "04A2243AB62A80"
    assert _burst("decimal", str(int(uid, 16))) == uid
    assert _burst("hex-reversed", "802AB63A24A204") == uid


def test_the_domain_rdm6300_frame_and_its_printed_numbers():
    [frame] = Rdm6300Parser().feed(b"\x0201000734E0D2\x03")
    assert frame.uid == "01000734E0"
    four, three = em4100_short_forms(frame.uid)
    assert four == _burst("decimal", "0000472288")                # 10-digit decimal 125 kHz reader
    assert three == normalize_uid("007,13536", "wiegand26")        # Wiegand-26 facility,card
    assert (four, three) == ("000734E0", "0734E0")
