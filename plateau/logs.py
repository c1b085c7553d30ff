"""Structured logs: one line per event, ``key=value``, to stderr (journald) and optionally a file.

Every program (kiosk, sync daemon, server, CLI) calls `setup_logging()` once in its ``main()``.
A line looks like::

    2026-11-23T12:01:02.345+01:00 level=INFO program=station station=self-1 logger=plateau.station.services msg="passage station=self-1 id=6f0e... reason=ok price=350"

so that ``journalctl -u plateau-kiosk | grep reason=already_served`` or a log shipper can read
it without a parser of ours. A traceback stays on the same line (``exc="...\\n..."``): one
event is one line, whatever happens. Fields given with ``extra={...}`` are appended as keys.

When stderr is the systemd journal, each line starts with a ``<N>`` syslog priority, which
journald strips and stores, so ``journalctl -p warning`` works. When ``$PLATEAU_LOG_DIR``
is set (the units set ``/var/log/plateau``), the same lines also go to ``<dir>/<program>.log``,
reopened after logrotate moves it (WatchedFileHandler), so no ``copytruncate`` is needed.
"""

from __future__ import annotations

import logging
import logging.handlers
import os
import sys
from datetime import datetime
from pathlib import Path
from typing import IO, Mapping

# Attributes every LogRecord has: anything else on a record came from ``extra=`` and is logged.
_STANDARD = set(vars(logging.LogRecord("x", logging.INFO, "x", 0, "x", None, None))) | {"message", "asctime"}
# uvicorn adds a copy of the message with terminal colour codes: noise in a log line
_STANDARD |= {"color_message"}
_SYSLOG_PRIORITY = {logging.CRITICAL: 2, logging.ERROR: 3, logging.WARNING: 4, logging.INFO: 6, logging.DEBUG: 7}
# Libraries that are chatty at INFO/DEBUG and say nothing an operator needs.
_QUIET = ("urllib3", "asyncio", "multipart", "PIL", "alembic.runtime.migration", "alembic.runtime.plugins")


def quote(value: object) -> str:
    """A value as it appears after ``key=``: bare when safe, else double-quoted with escapes."""
    text = "" if value is None else str(value)
    if text and not any(c in text for c in ' "=\\\n\r\t') and text.isprintable():
        return text
    escaped = (text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
               .replace("\r", "\\r").replace("\t", "\\t"))
    return f'"{escaped}"'


class KeyValueFormatter(logging.Formatter):
    """Formats a record as one ``key=value`` line (any thread: formatting keeps no state)."""

    def __init__(self, program: str, station: str | None = None, *, syslog_prefix: bool = False):
        super().__init__()
        self.program = program
        self.station = station
        self.syslog_prefix = syslog_prefix

    def format(self, record: logging.LogRecord) -> str:
        stamp = datetime.fromtimestamp(record.created).astimezone().isoformat(timespec="milliseconds")
        parts = [stamp, f"level={record.levelname}", f"program={quote(self.program)}"]
        if self.station:
            parts.append(f"station={quote(self.station)}")
        parts.append(f"logger={quote(record.name)}")
        parts.append(f"msg={quote(record.getMessage())}")
        for key, value in vars(record).items():
            if key not in _STANDARD and not key.startswith("_"):
                parts.append(f"{key}={quote(value)}")
        if record.exc_info:
            parts.append(f"exc={quote(self.formatException(record.exc_info))}")
        elif record.stack_info:
            parts.append(f"stack={quote(record.stack_info)}")
        line = " ".join(parts)
        if self.syslog_prefix:
            level = max((lv for lv in _SYSLOG_PRIORITY if lv <= record.levelno), default=logging.DEBUG)
            line = f"<{_SYSLOG_PRIORITY[level]}>{line}"
        return line


def _stderr_is_journal(stream: IO[str], env: Mapping[str, str]) -> bool:
    # systemd sets JOURNAL_STREAM=<device>:<inode> of the journal socket it gave us as stderr;
    # comparing it with our stderr tells a redirected stderr (2>file) from the journal.
    value = env.get("JOURNAL_STREAM", "")
    if not value or ":" not in value:
        return False
    try:
        st = os.fstat(stream.fileno())
        dev, ino = (int(v) for v in value.split(":", 1))
    except (OSError, ValueError, AttributeError):
        return False
    return (st.st_dev, st.st_ino) == (dev, ino)


def parse_level(level: str | int) -> int:
    """``"info"``/``"DEBUG"``/``20`` → a logging level; ValueError (a sentence) otherwise."""
    if isinstance(level, int):
        return level
    value = logging.getLevelName(str(level).strip().upper())
    if not isinstance(value, int):
        raise ValueError(f"unknown log level {level!r} (use DEBUG, INFO, WARNING or ERROR)")
    return value


def setup_logging(program: str, level: str | int = "INFO", station: str | None = None, *,
                  stream: IO[str] | None = None, log_dir: str | Path | None = None,
                  env: Mapping[str, str] | None = None) -> None:
    """Send every log record of this process to stderr (and ``$PLATEAU_LOG_DIR/<program>.log``).

    Replaces whatever handlers the root logger had (``plateau`` sets a plain one before the
    subcommand runs), so calling it twice is harmless. A log file that cannot be opened is
    reported once on stderr and skipped: logging must never stop a kiosk.
    """
    env = os.environ if env is None else env
    stream = sys.stderr if stream is None else stream
    root = logging.getLogger()
    for handler in list(root.handlers):
        root.removeHandler(handler)
        handler.close()  # closes a file; a StreamHandler leaves its stream open
    console = logging.StreamHandler(stream)
    console.setFormatter(KeyValueFormatter(program, station, syslog_prefix=_stderr_is_journal(stream, env)))
    root.addHandler(console)
    directory = log_dir if log_dir is not None else env.get("PLATEAU_LOG_DIR")
    if directory:
        path = Path(directory) / f"{program}.log"
        try:
            file_handler = logging.handlers.WatchedFileHandler(path, encoding="utf-8", delay=False)
        except OSError as exc:
            root.setLevel(parse_level(level))
            logging.getLogger(__name__).warning("cannot write the log file %s: %s; logging to stderr only",
                                                path, exc.strerror or exc)
        else:
            file_handler.setFormatter(KeyValueFormatter(program, station))
            root.addHandler(file_handler)
    root.setLevel(parse_level(level))
    for name in _QUIET:
        logging.getLogger(name).setLevel(max(logging.WARNING, root.level))
    logging.captureWarnings(True)
