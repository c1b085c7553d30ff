"""Keep the kiosk's screen awake: a pupil must never badge at a black screen.

What it does, best effort, on the GUI thread (nothing here may stop the kiosk):
- X11 (the kiosk session of `packaging/`): at start `xset s off s noblank -dpms` (no screen
  saver, no blanking, no DPMS power-off), then `xset s reset` every 4 minutes in case another
  program turned them back on;
- any desktop with the freedesktop ScreenSaver D-Bus service (GNOME, KDE, most Wayland
  compositors): `org.freedesktop.ScreenSaver.Inhibit("plateau-station", ...)`, released at exit.
Commands run detached through QProcess, so a slow X server never freezes the window. On a
console without X or D-Bus there is nothing to inhibit, and nothing is done.
"""

from __future__ import annotations

import logging
import os
import shutil

from PySide6.QtCore import QObject, QProcess, QTimer

log = logging.getLogger(__name__)

RESET_MS = 4 * 60 * 1000


class ScreenKeeper(QObject):
    """Inhibits blanking while the kiosk runs. GUI thread."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self._timer = QTimer(self, interval=RESET_MS, timeout=self._reset)
        self._cookie = None
        self.xset = shutil.which("xset") if os.environ.get("DISPLAY") else None

    def start(self) -> None:
        if self.xset:
            QProcess.startDetached(self.xset, ["s", "off", "s", "noblank", "-dpms"])
            self._timer.start()
        self._dbus_inhibit()
        log.info("screen blanking inhibited xset=%s dbus=%s", bool(self.xset), self._cookie is not None)

    def stop(self) -> None:
        self._timer.stop()
        if self._cookie is not None:
            try:
                from PySide6.QtDBus import QDBusConnection, QDBusInterface

                QDBusInterface("org.freedesktop.ScreenSaver", "/org/freedesktop/ScreenSaver",
                               "org.freedesktop.ScreenSaver", QDBusConnection.sessionBus()).call(
                    "UnInhibit", self._cookie)
            except Exception:  # leaving: nothing more to do
                pass
            self._cookie = None

    def _reset(self) -> None:
        if self.xset:
            QProcess.startDetached(self.xset, ["s", "reset"])

    def _dbus_inhibit(self) -> None:
        if not os.environ.get("DBUS_SESSION_BUS_ADDRESS"):
            return
        try:
            from PySide6.QtDBus import QDBusConnection, QDBusInterface

            bus = QDBusConnection.sessionBus()
            if not bus.isConnected():
                return
            iface = QDBusInterface("org.freedesktop.ScreenSaver", "/org/freedesktop/ScreenSaver",
                                   "org.freedesktop.ScreenSaver", bus)
            if not iface.isValid():
                return
            reply = iface.call("Inhibit", "plateau-station", "canteen service: pupils badge")
            args = reply.arguments()
            self._cookie = args[0] if args else None
        except Exception as exc:  # no D-Bus module or service: X11 settings are enough
            log.debug("no D-Bus screensaver inhibit: %s", exc)
