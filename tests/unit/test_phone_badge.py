"""The phone badge's pure parts: the payload, the offline code check (±1 step, replays), and a
2D scanner's keyboard burst carrying the payload through the wedge assembler."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import base64
from hypothesis import assume, given, strategies as st

from plateau.devices.wedge import WedgeAssembler
from plateau.domain import phone_badge as pb

SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
AT = datetime(2026, 11, 24, 11, 0, 7, tzinfo=timezone.utc)


def test_the_payload_names_the_site_and_the_pupil_and_rejects_anything_else():
    text = pb.payload_template("0691234X", 42).replace("{code}", "123456")
    assert text == "PLT1:0691234X:42:123456" and pb.is_payload(text)
    assert pb.parse_payload(text) == pb.PhonePayload("0691234X", 42, "123456")
    for bad in ("PLT1:0691234X:42:12345", "PLT1:0691234X:042:123456", "PLT1::42:123456", "PLT2:0691234X:42:123456",
                "PLT1:0691234X:42:123456:x", "04A1B2C3"):
        assert pb.parse_payload(bad) is None, bad
    assert not pb.is_payload("04A1B2C3")


def test_the_code_is_rfc_6238_sha1_30_s():
    # RFC 6238's SHA1 test vector: the 8 last digits at T = 59 s of the ASCII secret "1234567890" * 2
    secret = base64.b32encode(b"12345678901234567890").decode()
    assert pb.code_at(secret, datetime.fromtimestamp(59, timezone.utc), digits=8) == "94287082"


@given(drift=st.integers(-25, 25), offset=st.integers(0, 29))
def test_a_code_within_25_s_of_drift_passes(drift, offset):
    station = AT.replace(second=0) + timedelta(seconds=offset)
    code = pb.code_at(SECRET, station + timedelta(seconds=drift))
    verdict, step = pb.verify(SECRET, code, station, None)
    assert verdict is pb.Verdict.OK and abs(step - pb.time_step(station)) <= 1


@given(drift=st.one_of(st.integers(-600, -61), st.integers(61, 600)))
def test_a_code_more_than_a_minute_off_is_refused(drift):
    code = pb.code_at(SECRET, AT + timedelta(seconds=drift))
    # two steps' codes collide by chance (1 in 10^6 per step): such a draw says nothing
    assume(code not in {pb.code_at(SECRET, AT + timedelta(seconds=30 * k)) for k in (-1, 0, 1)})
    assert pb.verify(SECRET, code, AT, None)[0] is pb.Verdict.INVALID


def test_a_code_of_a_step_already_used_is_a_replay_and_a_later_one_is_not():
    code = pb.code_at(SECRET, AT)
    verdict, step = pb.verify(SECRET, code, AT, None)
    assert verdict is pb.Verdict.OK
    assert pb.verify(SECRET, code, AT + timedelta(seconds=5), step) == (pb.Verdict.REPLAYED, step)
    older = pb.code_at(SECRET, AT - timedelta(seconds=30))
    assert pb.verify(SECRET, older, AT, step)[0] is pb.Verdict.REPLAYED
    newer = pb.code_at(SECRET, AT + timedelta(seconds=30))
    assert pb.verify(SECRET, newer, AT + timedelta(seconds=30), step)[0] is pb.Verdict.OK
    assert pb.verify(SECRET, "12a456", AT, None)[0] is pb.Verdict.INVALID
    assert pb.verify(pb.new_secret(), code, AT, None)[0] is pb.Verdict.INVALID


def _burst(assembler: WedgeAssembler, text: str, typed: str | None = None, start: float = 10.0) -> str | None:
    at = start
    for char, raw in zip(text, typed or text):
        assembler.key(char, at, raw)
        at += 0.004
    return assembler.enter(at)[0]


def test_a_2d_scanner_burst_carries_the_payload_text_with_its_prefix_and_suffix_taken_off():
    payload = "PLT1:0691234X:42:123456"
    assert _burst(WedgeAssembler(prefix="]Q1", suffix="\t"), "]Q1" + payload) == payload
    # AZERTY kiosk, scanner set to French: `reader_char` maps "&" back to "1" and "Q" to "A" for
    # card UIDs; the text as typed is the phone badge's
    mapped = payload.replace("Q", "A")
    assert _burst(WedgeAssembler(), mapped, payload) == payload
    assert _burst(WedgeAssembler(), "04A1B2C3") == "04A1B2C3"   # a card reader on the same wedge

