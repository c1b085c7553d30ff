"""`python -m plateau.demo.kiosk --shots DIR [station args]`: `plateau station` with screenshots.

The demo runs the real kiosk (`plateau.station.ui.app.run`, unchanged) and, on each SIGUSR1,
saves a PNG of its window into DIR, named after the kiosk's own clock (`kiosk-03-1131.png`),
so a headless run (QT_QPA_PLATFORM=offscreen) still shows what the pupils saw.
GUI thread only: the signal handler only sets a flag; a Qt timer takes the picture.
"""

from __future__ import annotations

import argparse
import logging
import signal
import sys
from pathlib import Path

log = logging.getLogger(__name__)


def main(argv: list[str] | None = None) -> int:
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication

    from plateau.station.ui import app as station_app
    from plateau.station.ui.window import KioskWindow

    parser = argparse.ArgumentParser(prog="python -m plateau.demo.kiosk")
    parser.add_argument("--shots", required=True, help="folder for the screenshots")
    station_app.add_arguments(parser, "station")
    args = parser.parse_args(argv)
    shots = Path(args.shots)
    shots.mkdir(parents=True, exist_ok=True)
    qapp = QApplication.instance() or QApplication(sys.argv[:1])
    wanted = {"n": 0, "taken": 0}

    def take() -> None:
        if wanted["n"] == wanted["taken"]:
            return
        wanted["taken"] = wanted["n"]
        for widget in qapp.topLevelWidgets():
            if isinstance(widget, KioskWindow) and widget.isVisible():
                local = widget._local() if widget.site is not None else None
                stamp = local.strftime("%H%M%S") if local else "start"
                path = shots / f"kiosk-{wanted['taken']:02d}-{stamp}.png"
                widget.grab().save(str(path))
                log.info("screenshot saved path=%s", path)

    signal.signal(signal.SIGUSR1, lambda *_: wanted.__setitem__("n", wanted["n"] + 1))
    timer = QTimer(interval=100, timeout=take)
    timer.start()
    return station_app.run(args)


if __name__ == "__main__":
    sys.exit(main())
