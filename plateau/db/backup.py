"""Online backup of the station database, safe while the kiosk and the sync daemon write to it.

`backup_database()` copies the live file with SQLite's backup API (``Connection.backup``), which
reads one consistent snapshot: in WAL mode a reader never blocks the kiosk's writes, so a backup
taken in the middle of lunch neither delays a badge nor copies half a transaction. The copy is
written beside its final name, checked with ``PRAGMA quick_check``, fsynced, then renamed: a
backup file that exists under its final name is complete and readable. The newest ``keep``
copies are kept.

`plateau backup [--config FILE] [--db PATH] [--keep N] DIR` is the command the backup timer runs
(``packaging/systemd/plateau-backup.service``). It runs on the caller's thread and opens its own
connections; nothing here is shared with the kiosk's engine.
"""

from __future__ import annotations

import logging
import os
import re
import sqlite3
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from plateau.errors import UserError

log = logging.getLogger(__name__)

_STAMP = "%Y%m%dT%H%M%SZ"


class BackupError(UserError):
    """A backup that could not be made or did not verify (message for a person)."""


@dataclass(frozen=True)
class BackupResult:
    """One finished backup: where it is, how big, how long it took, what retention removed."""

    path: Path
    size: int
    seconds: float
    removed: list[Path] = field(default_factory=list)


def _pattern(stem: str) -> re.Pattern[str]:
    return re.compile(rf"^{re.escape(stem)}-\d{{8}}T\d{{6}}Z(-\d+)?\.db$")


def _fsync_dir(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def quick_check(path: Path) -> None:
    """Raise BackupError unless SQLite finds `path` sound."""
    try:
        con = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=10)
        try:
            rows = con.execute("PRAGMA quick_check").fetchall()
        finally:
            con.close()
    except sqlite3.DatabaseError as exc:
        raise BackupError(f"the backup {path} is not a readable SQLite file: {exc}") from exc
    if rows != [("ok",)]:
        raise BackupError(f"the backup {path} failed its check: {'; '.join(r[0] for r in rows[:3])}")


def existing_backups(directory: Path, stem: str = "station") -> list[Path]:
    """Our backups of `stem` in `directory`, oldest first (names sort by time)."""
    if not directory.is_dir():
        return []
    pattern = _pattern(stem)
    return sorted(p for p in directory.iterdir() if pattern.match(p.name))


def _target(directory: Path, stem: str, now: datetime) -> Path:
    base = f"{stem}-{now.astimezone(timezone.utc).strftime(_STAMP)}"
    target, n = directory / f"{base}.db", 1
    while target.exists():  # two backups in one second (a manual run during the timer's)
        target, n = directory / f"{base}-{n}.db", n + 1
    return target


def backup_database(source: str | Path, directory: str | Path, *, keep: int = 14,
                    now: datetime | None = None) -> BackupResult:
    """Copy the live database `source` into `directory` and keep the newest `keep` copies."""
    source, directory = Path(source), Path(directory)
    if keep < 1:
        raise BackupError("--keep must be at least 1")
    if not source.is_file():
        raise BackupError(f"no database to back up at {source}")
    try:
        directory.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise BackupError(f"cannot create the backup folder {directory}: {exc.strerror}") from exc
    stem = source.stem
    target = _target(directory, stem, now or datetime.now(timezone.utc))
    partial = target.with_name(target.name + ".partial")
    started = time.monotonic()
    try:
        src = sqlite3.connect(str(source), timeout=30)
        try:
            dst = sqlite3.connect(str(partial))
            try:
                # pages=-1 copies everything from one read snapshot. Stepping in small chunks
                # would let each kiosk write restart the copy; in WAL mode one long read blocks
                # no writer, so one step is both consistent and harmless.
                src.backup(dst, pages=-1)
                # The copy inherits WAL mode; a backup is a single self-contained file.
                dst.execute("PRAGMA journal_mode=DELETE")
            finally:
                dst.close()
        finally:
            src.close()
        quick_check(partial)
        with open(partial, "rb+") as fh:
            os.fsync(fh.fileno())
        os.replace(partial, target)
        _fsync_dir(directory)
    except sqlite3.DatabaseError as exc:
        partial.unlink(missing_ok=True)
        raise BackupError(f"cannot back up {source}: {exc}") from exc
    except OSError as exc:
        partial.unlink(missing_ok=True)
        raise BackupError(f"cannot write the backup in {directory}: {exc.strerror or exc}") from exc
    except BackupError:
        partial.unlink(missing_ok=True)
        raise
    removed = prune(directory, stem, keep, spare=target)
    result = BackupResult(target, target.stat().st_size, time.monotonic() - started, removed)
    log.info("backup done path=%s size=%d seconds=%.3f removed=%d", target, result.size, result.seconds,
             len(removed))
    return result


def prune(directory: Path, stem: str, keep: int, spare: Path | None = None) -> list[Path]:
    """Remove all but the newest `keep` backups of `stem`, and leftovers of interrupted runs.

    `spare` (the backup just made) is never removed, even if a clock set backwards gave it
    the oldest name.
    """
    removed = []
    backups = [p for p in existing_backups(directory, stem) if p != spare]
    keep = keep - 1 if spare is not None else keep
    for old in backups[:len(backups) - keep] if len(backups) > keep else []:
        old.unlink(missing_ok=True)
        removed.append(old)
    pattern = re.compile(rf"^{re.escape(stem)}-\d{{8}}T\d{{6}}Z(-\d+)?\.db\.partial$")
    cutoff = time.time() - 3600  # an older .partial is from a run that died (power cut)
    for leftover in directory.iterdir():
        if pattern.match(leftover.name) and leftover.stat().st_mtime < cutoff:
            leftover.unlink(missing_ok=True)
            removed.append(leftover)
    return removed


# -- the `plateau backup` command -------------------------------------------------------------

def add_arguments(parser, name: str) -> None:
    parser.add_argument("directory", metavar="DIR", help="folder that receives the backups")
    parser.add_argument("--config", help="station configuration (default: /etc/plateau/station.toml)")
    parser.add_argument("--db", help="database file to back up (default: [db] path of the configuration)")
    parser.add_argument("--keep", type=int, default=14, help="how many backups to keep (default: 14)")


def run(args) -> int:
    from plateau.logs import setup_logging

    if args.db:
        source = Path(args.db)
        station = None
    else:
        from plateau.config import load_settings

        settings = load_settings(args.config, validate=False)
        source, station = Path(settings.db.path), settings.station.id or None
    setup_logging("backup", "DEBUG" if getattr(args, "debug", False) else "INFO", station)
    result = backup_database(source, Path(args.directory), keep=args.keep)
    print(f"{result.path} ({result.size} bytes, {result.seconds:.2f} s"
          f"{f', {len(result.removed)} old removed' if result.removed else ''})")
    return 0
