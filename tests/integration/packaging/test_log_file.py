"""The log file beside the journal: key=value lines, reopened after logrotate moves it."""

from __future__ import annotations

import logging
import os

import pytest

from plateau.logs import setup_logging


@pytest.fixture
def restore_root_logger():
    root = logging.getLogger()
    saved = (root.handlers[:], root.level)
    yield
    for h in root.handlers[:]:
        root.removeHandler(h)
        h.close()
    for h in saved[0]:
        root.addHandler(h)
    root.setLevel(saved[1])
    logging.captureWarnings(False)


def test_file_follows_rotation(tmp_path, restore_root_logger, capsys):
    setup_logging("sync", "INFO", "self-1", env={"PLATEAU_LOG_DIR": str(tmp_path)})
    log = logging.getLogger("plateau.sync.daemon")
    log.info("pushed passages=%d", 3)
    (tmp_path / "sync.log").rename(tmp_path / "sync.log.1")  # what logrotate does
    log.warning("offline")
    first = (tmp_path / "sync.log.1").read_text().splitlines()
    second = (tmp_path / "sync.log").read_text().splitlines()
    assert len(first) == 1 and 'msg="pushed passages=3"' in first[0] and "station=self-1" in first[0]
    assert len(second) == 1 and "level=WARNING" in second[0] and "msg=offline" in second[0]
    assert "msg=offline" in capsys.readouterr().err


def test_an_unwritable_log_dir_does_not_stop_the_program(tmp_path, restore_root_logger, capsys):
    setup_logging("station", "INFO", env={"PLATEAU_LOG_DIR": str(tmp_path / "missing")})
    logging.getLogger("plateau.x").info("still here")
    err = capsys.readouterr().err
    assert "cannot write the log file" in err and 'msg="still here"' in err


def test_under_journald_lines_carry_a_syslog_priority(tmp_path, restore_root_logger):
    # systemd names the journal stream it gave us as stderr by device:inode in JOURNAL_STREAM
    with open(tmp_path / "journal", "w+", encoding="utf-8") as stream:
        st = os.fstat(stream.fileno())
        setup_logging("sync", "INFO", "self-1", stream=stream, env={"JOURNAL_STREAM": f"{st.st_dev}:{st.st_ino}"})
        logging.getLogger("plateau.sync").error("push failed")
        logging.getLogger("plateau.sync").info("pushed")
        stream.flush()
        lines = (tmp_path / "journal").read_text().splitlines()
    assert lines[0].startswith("<3>") and lines[1].startswith("<6>")
    # stderr redirected elsewhere (another inode): no prefix, the file stays plain text
    with open(tmp_path / "other", "w+", encoding="utf-8") as other:
        setup_logging("sync", "INFO", stream=other, env={"JOURNAL_STREAM": f"{st.st_dev}:{st.st_ino}"})
        logging.getLogger("plateau.sync").info("plain")
        other.flush()
        assert not (tmp_path / "other").read_text().startswith("<")
