"""Serial reader byte streams → UIDs: RDM6300 frames and line readers, without any device."""

from __future__ import annotations

import pytest

from plateau.devices.frames import (Frame, LineParser, Rdm6300Parser, BadFrame, make_parser,
                                    parse_uid_text, rdm6300_frame)

DOMAIN_FRAME = b"\x0201000734E0D2\x03"   # data 01000734E0 (docs/readers.md), checksum D2


def uids(events):
    return [e.uid for e in events if isinstance(e, Frame)]


def rejected(events):
    return [e for e in events if isinstance(e, BadFrame)]


def test_the_domain_frame_is_the_tag_s_five_bytes():
    assert rdm6300_frame("01000734E0") == DOMAIN_FRAME
    events = Rdm6300Parser().feed(DOMAIN_FRAME)
    assert uids(events) == ["01000734E0"] and not rejected(events)


def test_lower_case_hex_from_clones_is_accepted():
    assert uids(Rdm6300Parser().feed(b"\x0201000734e0d2\x03")) == ["01000734E0"]


def test_bad_checksum_is_rejected_with_the_expected_value():
    events = Rdm6300Parser().feed(b"\x0201000734E0D3\x03")
    assert uids(events) == []
    [bad] = rejected(events)
    assert "bad checksum D3, expected D2" in bad.reason and bad.raw == b"\x0201000734E0D3\x03"


def test_frames_split_byte_by_byte():
    parser = Rdm6300Parser()
    out = []
    for b in DOMAIN_FRAME * 2:
        out += parser.feed(bytes([b]))
    assert uids(out) == ["01000734E0", "01000734E0"]


def test_two_frames_in_one_read():
    other = rdm6300_frame("0F0368568B")
    assert uids(Rdm6300Parser().feed(DOMAIN_FRAME + other)) == ["01000734E0", "0F0368568B"]


def test_noise_between_frames_resynchronises():
    parser = Rdm6300Parser()
    events = parser.feed(b"\xff\x00garbage" + DOMAIN_FRAME + b"\r\n" + b"\x13\x37" + DOMAIN_FRAME)
    assert uids(events) == ["01000734E0", "01000734E0"]
    assert [e.reason for e in rejected(events)] == ["noise between frames", "noise between frames"]


def test_crlf_after_a_frame_is_not_even_logged():
    assert not rejected(Rdm6300Parser().feed(DOMAIN_FRAME + b"\r\n"))


def test_a_truncated_frame_followed_by_a_good_one():
    events = Rdm6300Parser().feed(b"\x020100073" + DOMAIN_FRAME)
    assert uids(events) == ["01000734E0"]
    assert "interrupted" in rejected(events)[0].reason


def test_a_frame_without_end_byte_is_dropped_and_the_next_one_read():
    events = Rdm6300Parser().feed(b"\x0201000734E0D2FFFF" + DOMAIN_FRAME)
    assert uids(events) == ["01000734E0"]
    assert any("too long" in e.reason for e in rejected(events))


def test_non_hex_body_is_rejected():
    events = Rdm6300Parser().feed(b"\x0201000734EXD2\x03")
    assert uids(events) == [] and "hex" in rejected(events)[0].reason


def test_line_reader_with_prefix_suffix_and_crlf():
    parser = LineParser("hex", prefix="ID:", suffix=";")
    events = parser.feed(b"ID:04a1b2c3d4e5f6;\r\nID:1A2B")
    assert uids(events) == ["04A1B2C3D4E5F6"]
    assert uids(parser.feed(b"3C4D;\n")) == ["1A2B3C4D"]


@pytest.mark.parametrize("fmt,line", [("hex", b"1A2B3C4D"), ("hex-reversed", b"4D3C2B1A"),
                                      ("decimal", b"0439041101"), ("decimal-reversed", b"1295788826")])
def test_line_readers_of_each_model_give_one_canonical_uid(fmt, line):
    """One MIFARE card (UID 1A 2B 3C 4D), four reader models, one person."""
    assert uids(LineParser(fmt).feed(line + b"\r\n")) == ["1A2B3C4D"]


def test_line_reader_rejects_garbage_and_overlong_lines():
    parser = LineParser("hex")
    events = parser.feed(b"hello\r\n" + b"A" * 100 + b"\r\n\xe9\xe9\xe9\xe9\n")
    assert uids(events) == []
    reasons = [e.reason for e in rejected(events)]
    assert len(reasons) == 3 and "too long" in reasons[1] and reasons[2] == "not ASCII"


def test_empty_lines_are_ignored():
    assert LineParser().feed(b"\r\n\r\n\n") == []


def test_parse_uid_text_and_parser_choice():
    assert parse_uid_text("", "hex") == BadFrame("empty line", b"")
    assert isinstance(make_parser("rdm6300"), Rdm6300Parser)
    assert isinstance(make_parser("line", "decimal"), LineParser)
    with pytest.raises(ValueError, match="rdm6300 or line"):
        make_parser("wiegand")
