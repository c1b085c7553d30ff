"""The hand-built day, recorded once per test session by two real station replicas."""

from __future__ import annotations

import pytest

from .scenario import record_day


@pytest.fixture(scope="session")
def day(tmp_path_factory):
    recorded = record_day(tmp_path_factory.mktemp("stations"))
    yield recorded
    recorded.self1.dispose()
    recorded.self2.dispose()
