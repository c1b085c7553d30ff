"""Colours and type sizes of the kiosk, scaled to the window (7" 800×480 to 24" 1920×1080).

Widgets carry a `role` property ("title", "huge", ...); one style sheet, rebuilt when the
window is resized, gives each role a pixel size proportional to the window's height (and
bounded by its width, for narrow screens). High contrast: white on dark green / dark red,
black on orange, never colour alone (every outcome also has an icon and words).
"""

from __future__ import annotations

ACCEPT_BG = "#146C2E"     # dark green: 7:1 contrast with white
REFUSE_BG = "#A4161A"     # dark red
WARN_BG = "#FFB300"       # orange, with black text
IDLE_BG = "#10253F"       # dark blue
STAFF_BG = "#2B2F36"
ASK_BG = "#34495E"
TEXT = "#FFFFFF"
MUTED = "#C9D3DF"
OK_DOT = "#4CD964"
BAD_DOT = "#FFB300"

# glyphs present in DejaVu Sans (the kiosk's font): no tofu boxes at any size
ICON_OK = "\u2714"      # heavy check mark
ICON_REFUSED = "\u2716"  # heavy multiplication x
ICON_WARN = "\u26A0"     # warning sign
ICON_STAFF = "\u2139"     # information source: calm, not alarming

ROLES = {  # role -> fraction of the unit
    "huge": 3.2, "icon": 7.0, "title": 1.9, "big": 1.45, "normal": 1.0, "small": 0.8, "key": 1.15,
}


def unit(width: int, height: int) -> int:
    """The base type size in pixels: about 1/26 of the height, never below 15 px."""
    return max(15, min(int(height / 26), int(width / 42)))


def stylesheet(width: int, height: int) -> str:
    u = unit(width, height)
    sizes = "\n".join(f'QWidget[role="{role}"] {{ font-size: {int(u * k)}px; }}' for role, k in ROLES.items())
    pad = max(4, u // 3)
    return f"""
QWidget {{ font-family: "DejaVu Sans"; font-size: {u}px; color: {TEXT}; }}
QMainWindow, QStackedWidget {{ background: {IDLE_BG}; }}
QWidget#idle {{ background: {IDLE_BG}; }}
QWidget#accepted {{ background: {ACCEPT_BG}; }}
QWidget#refused {{ background: {REFUSE_BG}; }}
QWidget#ask_staff {{ background: {ASK_BG}; }}
QWidget#staffpage {{ background: {STAFF_BG}; }}
QLabel[role="muted"] {{ color: {MUTED}; font-size: {int(u * 0.8)}px; }}
QLabel#warning {{ background: {WARN_BG}; color: #000000; border-radius: {pad}px; padding: {pad}px;
                  font-size: {int(u * 1.25)}px; font-weight: bold; }}
QLabel#status_ok {{ color: {MUTED}; font-size: {int(u * 0.8)}px; }}
QLabel#status_bad {{ color: {BAD_DOT}; font-size: {int(u * 0.85)}px; font-weight: bold; }}
QLabel#message {{ color: {WARN_BG}; }}
QLabel#headline {{ font-weight: bold; }}
QLabel#refusal {{ color: {MUTED}; }}
QPushButton {{ background: #3B4A5C; border: 1px solid #6C7A89; border-radius: {pad}px;
              padding: {pad}px {pad * 2}px; min-height: {int(u * 1.9)}px; }}
QPushButton:pressed {{ background: #5A6E85; }}
QPushButton:disabled {{ color: #7F8C8D; background: #2E3742; }}
QPushButton[role="key"] {{ padding: 0px; min-height: {int(u * 1.7)}px; }}
QPushButton#primary {{ background: #1F6FB2; }}
QPushButton#danger {{ background: #8E2020; }}
QPushButton#corner {{ background: transparent; border: none; min-height: {int(u * 2)}px;
                      min-width: {int(u * 2)}px; color: rgba(255,255,255,40); }}
QPushButton[role="who"] {{ min-height: {int(u * 2.6)}px; font-size: {int(u * 1.2)}px; }}
QScrollArea#who, QWidget#who_view, QWidget#who_names {{ background: transparent; }}
QScrollArea#who QScrollBar:vertical {{ background: #1E2228; width: {int(u * 1.5)}px; margin: 0px; }}
QScrollArea#who QScrollBar::handle:vertical {{ background: #6C7A89; min-height: {int(u * 2)}px;
                                              border-radius: {pad}px; }}
QScrollArea#who QScrollBar::add-line:vertical, QScrollArea#who QScrollBar::sub-line:vertical {{ height: 0px; }}
QScrollArea#who QScrollBar::add-page:vertical, QScrollArea#who QScrollBar::sub-page:vertical {{ background: none; }}
QLineEdit {{ background: #FFFFFF; color: #000000; border-radius: {pad}px; padding: {pad}px;
             font-size: {int(u * 1.3)}px; }}
QListWidget, QTableWidget {{ background: #FFFFFF; color: #000000; font-size: {int(u * 0.95)}px; }}
QListWidget::item, QTableWidget::item {{ color: #000000; padding: {max(2, pad // 2)}px; }}
QListWidget::item:selected, QTableWidget::item:selected {{ background: #1F6FB2; color: #FFFFFF; }}
QHeaderView::section {{ background: #DDE3EA; color: #000000; font-size: {int(u * 0.8)}px; padding: 2px; }}
{sizes}
"""
