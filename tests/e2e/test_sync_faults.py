"""Fault injection: whatever dies when, every passage reaches the server exactly once.

The daemon is SIGKILLed at random moments while passages are being recorded, the server is
SIGKILLed mid-batch and restarted, and a fault proxy between them drops, stalls, truncates and
corrupts answers and answers 500/503, and for windows answers like a reverse proxy (an HTML 404
page, then 429 with Retry-After). At the end: 0 lost, 0 duplicated, 0 parked, replica == server.
The full run (10,000 passages, 50+ kills) is `make soak`; the default suite runs a short one.
"""

from __future__ import annotations

import shutil

import pytest

from tests.e2e.test_sync_e2e import school, seeded_template  # noqa: F401  (fixtures)
from tests.integration.sync.harness import fault_scenario
from tests.support.server import running_server


def _run(tmp_path, seeded_template, school, **kw):
    db = tmp_path / "server.db"
    shutil.copy(seeded_template, db)
    with running_server(str(db)) as srv:
        return fault_scenario(tmp_path, srv, school, **kw)


def test_short_fault_injection_loses_and_duplicates_nothing(tmp_path, seeded_template, school, capsys):
    figures = _run(tmp_path, seeded_template, school, passages=400, kills=6, server_kills=1)
    assert figures["lost"] == 0 and figures["duplicated"] == 0 and figures["parked"] == 0
    assert sum(figures["proxy"].values()) > 0 and figures["proxy"]["answer"] > 0


@pytest.mark.postgres
def test_short_fault_injection_on_postgresql(tmp_path, pg_cluster, school):
    from plateau.server.db import Database, open_database
    from plateau.server.seed import seed_changes

    url = pg_cluster.create_database("sync_faults")
    db = Database(open_database(url))
    with db.write() as s:
        seed_changes(s, school.changes)
    db.engine.dispose()
    with running_server(url) as srv:
        figures = fault_scenario(tmp_path, srv, school, passages=300, kills=4, server_kills=1, seed=11)
    assert figures["lost"] == 0 and figures["duplicated"] == 0


@pytest.mark.soak
@pytest.mark.timeout(1800)
def test_soak_10000_passages_50_kills(tmp_path, seeded_template, school):
    figures = _run(tmp_path, seeded_template, school, passages=10_000, kills=52, server_kills=4, seed=2026,
                   proxy_windows=6)
    assert figures["lost"] == 0 and figures["duplicated"] == 0 and figures["daemon_kills"] >= 50
    assert figures["parked"] == 0 and figures["proxy"]["answer"] > 0
