"""Fixtures shared by every test layer: the demo school and real replica files in temp dirs."""

from __future__ import annotations

import os
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

PARIS = ZoneInfo("Europe/Paris")


def paris(y, mo, d, h=12, mi=0, s=0) -> datetime:
    """An aware instant in the demo school's zone."""
    return datetime(y, mo, d, h, mi, s, tzinfo=PARIS)


@pytest.fixture(scope="session")
def demo_school():
    from plateau.demo.school import generate

    return generate()


@pytest.fixture
def replica(tmp_path, demo_school):
    """A real SQLite replica file (WAL), seeded with the demo school."""
    from plateau.db.engine import open_replica
    from plateau.demo.school import seed_replica

    engine = open_replica(tmp_path / "station.db")
    seed_replica(engine, demo_school)
    yield engine
    engine.dispose()


@pytest.fixture
def recorder(replica):
    from plateau.station.services import Recorder

    return Recorder(replica, "self-1")


@pytest.fixture(scope="session")
def pg_cluster():
    """One throwaway PostgreSQL cluster per test process (an unprivileged user's, in a temp dir),
    shared by every test that runs against PostgreSQL; skipped where PostgreSQL is not installed."""
    from tests.support.postgres import PostgresCluster, find_pg_bin

    if find_pg_bin() is None:
        pytest.skip("PostgreSQL is not installed")
    cluster = PostgresCluster().start()
    yield cluster
    cluster.stop()
