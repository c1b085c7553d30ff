"""The small pure parts of the server's cross-process wake-ups and metrics (no database)."""

from __future__ import annotations

from plateau.server.metrics import Metrics
from plateau.server.pg_listen import channel, parse


def test_a_feed_notification_says_the_site_its_new_head_and_when_it_was_written():
    # the payload as the feed seq's UPDATE writes it (pg_listen.notify_sql; sent for real in
    # tests/integration/server/test_pg_wakeups.py)
    assert parse(channel(42), "1234 1796292000.250000") == (42, 1234, 1796292000.25)


def test_a_malformed_notification_is_ignored_not_fatal():
    assert parse(channel(1), "not a number") is None
    assert parse("plateau_feed_x", "1 2") is None


def test_metrics_are_prometheus_text_with_cumulative_buckets():
    metrics = Metrics()
    metrics.push_seconds.observe(0.004)
    metrics.push_seconds.observe(0.2)
    metrics.pushes = 2
    text = metrics.render()
    assert "# TYPE plateau_push_seconds histogram" in text
    lines = dict(line.rsplit(" ", 1) for line in text.splitlines() if not line.startswith("#"))
    bucket = lambda le: float(next(v for k, v in lines.items()  # noqa: E731
                                   if k.startswith("plateau_push_seconds_bucket") and f'le="{le}"' in k))
    assert (bucket("0.005"), bucket("0.1"), bucket("0.25"), bucket("+Inf")) == (1, 1, 2, 2)
    assert float(next(v for k, v in lines.items() if k.startswith("plateau_pushes_total"))) == 2
