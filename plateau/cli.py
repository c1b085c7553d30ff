"""`plateau`: one console script, one subcommand per program (docs/protocol.md).

Only the chosen subcommand's module is imported, so `plateau check` does not pay for
FastAPI or Qt. Each command module provides ``add_arguments(parser)`` and ``run(args) -> int``.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import os
import sys

COMMANDS: dict[str, tuple[str, str]] = {
    "server": ("plateau.server.cli_server", "run the central server"),
    "admin": ("plateau.server.admin", "administer the central server (sites, stations, services, ...)"),
    "import": ("plateau.server.imports.cli", "import a school's data into the central server"),
    "station": ("plateau.station.ui.app", "run the full-screen kiosk"),
    "sync": ("plateau.sync.daemon", "run the station's sync daemon"),
    "check": ("plateau.station.cli", "the station's decision for a badge, recording nothing"),
    "pass": ("plateau.station.cli", "decide and record a passage as the kiosk would"),
    "report": ("plateau.reports.cli", "headcount reports (PDF, CSV)"),
    "demo": ("plateau.demo.run", "the whole system on this machine with a demo school"),
    "backup": ("plateau.db.backup", "online backup of the station database, keeping the newest N"),
    "reader": ("plateau.devices.cli", "try the configured badge reader: print each card's canonical UID"),
}

log = logging.getLogger("plateau")


class _Parser(argparse.ArgumentParser):
    """argparse that exits 2 with one line (no usage dump) on bad arguments."""

    def error(self, message: str):  # noqa: D401
        self.exit(2, f"{self.prog}: error: {message}\n")


def _top_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="plateau", description="Plateau canteen access control.")
    parser.add_argument("--debug", action="store_true", help="show tracebacks and debug logs")
    parser.add_argument("--version", action="store_true", help="print the version and exit")
    parser.add_argument("command", nargs="?", choices=sorted(COMMANDS), metavar="COMMAND",
                        help="; ".join(f"{k}: {v[1]}" for k, v in COMMANDS.items()))
    return parser


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    debug = "--debug" in argv or os.environ.get("PLATEAU_DEBUG") == "1"
    argv = [a for a in argv if a != "--debug"]
    top = _top_parser()
    if not argv or argv[0] in ("-h", "--help"):
        top.print_help()
        return 0 if argv else 2
    if argv[0] == "--version":
        from plateau import __version__
        print(f"plateau {__version__}")
        return 0
    name = argv[0]
    if name not in COMMANDS:
        top.parse_args(argv[:1])  # exits 2 with "invalid choice"
    logging.basicConfig(level=logging.DEBUG if debug else logging.WARNING,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    module = importlib.import_module(COMMANDS[name][0])
    parser = _Parser(prog=f"plateau {name}", description=COMMANDS[name][1])
    module.add_arguments(parser, name)
    args = parser.parse_args(argv[1:])
    args.debug = debug
    args.command = name
    from plateau.errors import user_facing

    try:
        return int(module.run(args) or 0)
    except KeyboardInterrupt:
        return 130
    except user_facing() as exc:
        if debug:
            raise
        message = str(exc) if not isinstance(exc, OSError) or not exc.filename else \
            f"{exc.filename}: {exc.strerror}"
        print(f"plateau {name}: error: {message}", file=sys.stderr)
        return 2
    except Exception as exc:  # a bug: one line for the person, the traceback in the log
        if debug:
            raise
        # at DEBUG: the default stderr handler (WARNING) must not print a traceback under the
        # one line; programs that configure a log file or the journal at DEBUG still keep it
        log.debug("unexpected error in plateau %s", name, exc_info=True)
        print(f"plateau {name}: unexpected error: {exc.__class__.__name__}: {exc} "
              f"(run with --debug for details)", file=sys.stderr)
        # not 1: `plateau check`/`pass` exit 1 for a refusal, a crash must not read as one
        return 3


if __name__ == "__main__":
    sys.exit(main())
