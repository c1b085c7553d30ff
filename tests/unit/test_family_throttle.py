"""Wrong sign-ins are counted over a sliding window: the refusal expires (pure, fake clock)."""

from plateau.server.family.throttle import Throttle, sign_in_limits


def test_the_refusal_lifts_when_the_window_has_passed():
    now = [1000.0]
    t = Throttle(window=900, clock=lambda: now[0])
    limits = sign_in_limits("a@example.org", "192.0.2.1")
    for _ in range(5):
        assert t.retry_after(limits) == 0
        t.fail(*limits)
        now[0] += 10
    assert t.retry_after(limits) == 900 - 50 + 1    # until the first failure is 15 minutes old
    now[0] = 1000 + 900
    assert t.retry_after(limits) == 0               # the first failure expired: one more try allowed
    t.fail(*limits)
    assert t.retry_after(limits) > 0


def test_forget_clears_an_account_after_a_good_sign_in():
    t = Throttle(window=900, clock=lambda: 0.0)
    limits = sign_in_limits("a@example.org", "192.0.2.1")
    for _ in range(4):
        t.fail(*limits)
    t.forget("account:a@example.org")
    t.fail(*limits)
    assert t.retry_after({"account:a@example.org": 5}) == 0
