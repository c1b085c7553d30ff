"""The sync daemon's pure pieces: backoff with jitter, clock skew from `Date`, push answers."""

import random
from email.utils import formatdate

import pytest

from plateau.sync.backoff import Backoff
from plateau.sync.client import clock_skew, parse_push_answer
from plateau.sync.protocol import ProtocolError
from plateau.sync.state import describe_skew


def test_backoff_grows_exponentially_then_is_truncated_at_the_cap():
    b = Backoff(base=0.25, cap=5.0, rng=random.Random(1))
    delays = [b.next_delay() for _ in range(12)]
    ceilings = [min(5.0, 0.25 * 2 ** n) for n in range(12)]
    for d, c in zip(delays, ceilings):
        assert c / 2 <= d <= c
    assert max(delays) <= 5.0 and delays[-1] >= 2.5


def test_backoff_jitter_spreads_stations_that_failed_together():
    stations = [Backoff(base=1, cap=60, rng=random.Random(seed)) for seed in range(50)]
    fifth = [[s.next_delay() for _ in range(5)][-1] for s in stations]
    assert len({round(d, 3) for d in fifth}) > 40       # not in lockstep
    assert max(fifth) - min(fifth) > 2


def test_backoff_reset_after_a_success():
    b = Backoff(base=0.5, cap=8, rng=random.Random(2))
    for _ in range(6):
        b.next_delay()
    b.reset()
    assert b.next_delay() <= 0.5


def test_clock_skew_from_the_date_header():
    now = 1_800_000_000.2
    header = formatdate(now + 300, usegmt=True)      # server five minutes ahead
    skew = clock_skew(header, now - 0.05, now + 0.05)
    assert 299 <= skew <= 301
    assert clock_skew(None, now, now) is None
    assert clock_skew("not a date", now, now) is None


def test_describe_skew_says_which_way():
    assert "300 s behind" in describe_skew(300.0)
    assert "ahead of" in describe_skew(-400.0)


def test_push_answer_is_validated_against_what_was_sent():
    sent = {"a", "b"}
    results, balances = parse_push_answer(
        {"results": [{"id": "a", "status": "stored"}, {"id": "b", "status": "rejected", "error": "bad site"}],
         "balances": [{"person": 3, "balance_cents": -120, "version": 7}]}, sent)
    assert results == {"a": ("stored", None), "b": ("rejected", "bad site")}
    assert balances[0]["version"] == 7
    bad = [
        [],                                                                  # not an object
        {"results": [{"id": "zzz", "status": "stored"}]},                    # never sent
        {"results": [{"id": "a", "status": "ok"}]},                          # unknown status
        {"results": [{"id": "a", "status": "stored"}, {"id": "a", "status": "duplicate"}]},
        {"results": [], "balances": [{"person": 3, "balance_cents": "1"}]},  # no version, bad type
        {"results": [], "balances": [{"person": True, "balance_cents": 1, "version": 1}]},
    ]
    for body in bad:
        with pytest.raises(ProtocolError):
            parse_push_answer(body, sent)


def test_retry_after_in_seconds_or_as_a_date_and_capped():
    from plateau.sync.client import RETRY_AFTER_CAP, retry_after

    now = 1_800_000_000.0
    assert retry_after("7", now) == 7.0
    assert retry_after(formatdate(now + 30, usegmt=True), now) == pytest.approx(30, abs=1)
    assert retry_after(formatdate(now - 30, usegmt=True), now) == 0.0      # already past
    assert retry_after("99999999", now) == RETRY_AFTER_CAP                   # a proxy's nonsense
    assert retry_after(None, now) is None and retry_after("soon", now) is None


def test_a_whole_request_failure_is_described_with_its_url():
    from plateau.sync.client import describe_answer

    url = "https://plateau.example.org/api/v1/sync/passages"
    page = describe_answer(404, "text/html", b"<html><h1>404 Not Found</h1></html>", url)
    assert page.startswith(f"HTTP 404 from {url}: an HTML page") and "[server] url" in page
    ours = describe_answer(429, "application/json", b'{"error": "too_many_requests", "reason": "slow down"}', url)
    assert ours == f"HTTP 429 from {url}: too_many_requests: slow down"
    assert describe_answer(502, "", b"", url).endswith("an empty answer")
