"""Structured logs: one key=value line per event, whatever the message holds."""

from __future__ import annotations

import io
import logging
import re

import pytest

from plateau.logs import KeyValueFormatter, parse_level, quote, setup_logging

LINE = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}[+-]\d\d:\d\d level=(\w+) ")


def _record(msg, *args, level=logging.INFO, name="plateau.station.services", exc_info=None, **extra):
    record = logging.LogRecord(name, level, __file__, 1, msg, args, exc_info)
    for key, value in extra.items():
        setattr(record, key, value)
    return record


def test_a_passage_line_carries_timestamp_level_program_station_logger_and_message():
    line = KeyValueFormatter("station", "self-1").format(
        _record("passage station=%s id=%s reason=%s", "self-1", "abc", "already_served"))
    assert LINE.match(line)
    assert " level=INFO program=station station=self-1 logger=plateau.station.services " in line
    assert 'msg="passage station=self-1 id=abc reason=already_served"' in line


def test_a_traceback_stays_on_one_line():
    try:
        raise RuntimeError("reader unplugged\nsecond line")
    except RuntimeError:
        import sys

        line = KeyValueFormatter("sync").format(_record("boom", level=logging.ERROR, exc_info=sys.exc_info()))
    assert "\n" not in line
    assert 'exc="Traceback' in line and "RuntimeError: reader unplugged\\nsecond line" in line


def test_extra_fields_become_keys_and_values_are_quoted_only_when_needed():
    line = KeyValueFormatter("sync").format(_record("pushed", passages=12, server="https://x y"))
    assert "passages=12" in line and 'server="https://x y"' in line
    assert quote("ok") == "ok" and quote("") == '""' and quote('a"b') == '"a\\"b"' and quote(None) == '""'


def test_syslog_prefix_maps_levels_for_journald():
    fmt = KeyValueFormatter("station", syslog_prefix=True)
    assert fmt.format(_record("x", level=logging.ERROR)).startswith("<3>")
    assert fmt.format(_record("x", level=logging.WARNING)).startswith("<4>")
    assert fmt.format(_record("x", level=logging.DEBUG)).startswith("<7>")


def test_setup_logging_replaces_handlers_and_sets_the_level():
    stream = io.StringIO()
    root = logging.getLogger()
    saved = (root.handlers[:], root.level)
    try:
        setup_logging("station", "warning", "self-2", stream=stream, env={})
        setup_logging("station", "INFO", "self-2", stream=stream, env={})  # twice: still one handler
        assert len(root.handlers) == 1
        logging.getLogger("plateau.test").info("hello %s", "world")
        logging.getLogger("plateau.test").debug("hidden")
        out = stream.getvalue().splitlines()
        assert len(out) == 1 and "station=self-2" in out[0] and 'msg="hello world"' in out[0]
        assert not out[0].startswith("<")  # a StringIO is not the journal
    finally:
        for h in root.handlers[:]:
            root.removeHandler(h)
        for h in saved[0]:
            root.addHandler(h)
        root.setLevel(saved[1])
        logging.captureWarnings(False)


def test_unknown_level_is_a_clear_error():
    assert parse_level("debug") == logging.DEBUG
    with pytest.raises(ValueError, match="unknown log level 'LOUD'"):
        parse_level("LOUD")
