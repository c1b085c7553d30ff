"""Fonts, styles, tables and page furniture shared by the PDF reports (reportlab, A4).

Readable printed in black and white: text is black, shading is light grey, bars are dark grey
versus white with a black outline, never colour alone. Accents need a TrueType font: DejaVu
(Debian's fonts-dejavu-core) when present, else the built-in Helvetica (Latin-1 only, which still
covers French accents but not every name, e.g. "ğ").
"""

from __future__ import annotations

import logging
from functools import lru_cache
from pathlib import Path

from reportlab.lib import colors
from reportlab.lib.enums import TA_RIGHT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen import canvas as rl_canvas
from reportlab.platypus import Paragraph, Table, TableStyle

log = logging.getLogger(__name__)

FONT_DIRS = (Path("/usr/share/fonts/truetype/dejavu"), Path("/usr/share/fonts/dejavu"))
GREY_DARK = colors.HexColor("#404040")
GREY_MID = colors.HexColor("#9a9a9a")
GREY_LIGHT = colors.HexColor("#e6e6e6")
PAGE = A4
MARGIN = 16 * mm


@lru_cache(maxsize=1)
def fonts() -> tuple[str, str]:
    """(regular, bold) font names: DejaVu Sans registered once, or Helvetica as a fallback."""
    for folder in FONT_DIRS:
        regular, bold = folder / "DejaVuSans.ttf", folder / "DejaVuSans-Bold.ttf"
        if regular.is_file() and bold.is_file():
            try:
                pdfmetrics.registerFont(TTFont("PlateauSans", str(regular)))
                pdfmetrics.registerFont(TTFont("PlateauSans-Bold", str(bold)))
                return "PlateauSans", "PlateauSans-Bold"
            except Exception:  # a damaged font file must not stop the report
                log.warning("cannot load DejaVu fonts from %s; using Helvetica", folder, exc_info=True)
    return "Helvetica", "Helvetica-Bold"


@lru_cache(maxsize=1)
def styles() -> dict[str, ParagraphStyle]:
    regular, bold = fonts()
    return {
        "title": ParagraphStyle("title", fontName=bold, fontSize=17, leading=21, spaceAfter=2),
        "subtitle": ParagraphStyle("subtitle", fontName=regular, fontSize=11.5, leading=15, spaceAfter=1),
        "h2": ParagraphStyle("h2", fontName=bold, fontSize=12.5, leading=16, spaceBefore=10, spaceAfter=5),
        "h3": ParagraphStyle("h3", fontName=bold, fontSize=10.5, leading=13, spaceBefore=6, spaceAfter=3),
        "body": ParagraphStyle("body", fontName=regular, fontSize=9.5, leading=12.5),
        "small": ParagraphStyle("small", fontName=regular, fontSize=8.5, leading=11),
        "cell": ParagraphStyle("cell", fontName=regular, fontSize=8.5, leading=10.5),
        "cell_right": ParagraphStyle("cell_right", fontName=regular, fontSize=8.5, leading=10.5, alignment=TA_RIGHT),
    }


def esc(text) -> str:
    """Text for a Paragraph (which reads a little XML)."""
    return str(text if text is not None else "").replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def table(rows: list[list], widths: list[float], *, numeric_from: int = 1, total_row: bool = False,
          repeat: int = 1) -> Table:
    """A ruled table: bold header on light grey, numbers right-aligned, zebra rows, optional total."""
    regular, bold = fonts()
    t = Table(rows, colWidths=widths, repeatRows=repeat)
    style = [
        ("FONT", (0, 0), (-1, -1), regular, 8.5),
        ("FONT", (0, 0), (-1, 0), bold, 8.5),
        ("BACKGROUND", (0, 0), (-1, 0), GREY_LIGHT),
        ("LINEBELOW", (0, 0), (-1, 0), 0.8, colors.black),
        ("LINEBELOW", (0, -1), (-1, -1), 0.8, colors.black),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("TOPPADDING", (0, 0), (-1, -1), 2.5),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 2.5),
    ]
    if numeric_from is not None:
        style.append(("ALIGN", (numeric_from, 0), (-1, -1), "RIGHT"))
    for i in range(2, len(rows), 2):
        style.append(("BACKGROUND", (0, i), (-1, i), colors.HexColor("#f5f5f5")))
    for i in range(1, len(rows)):
        style.append(("LINEBELOW", (0, i), (-1, i), 0.25, GREY_MID))
    if total_row and len(rows) > 1:
        style += [("FONT", (0, -1), (-1, -1), bold, 8.5), ("LINEABOVE", (0, -1), (-1, -1), 0.8, colors.black),
                  ("BACKGROUND", (0, -1), (-1, -1), GREY_LIGHT)]
    t.setStyle(TableStyle(style))
    return t


def numbered_canvas(footer_left: str, page_word: str = "Page"):
    """A canvas class that writes "footer — Page n / N" on every page (N known at the end)."""
    regular, _ = fonts()

    class NumberedCanvas(rl_canvas.Canvas):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self._pages: list[dict] = []

        def showPage(self):  # noqa: N802 (reportlab's name)
            self._pages.append(dict(self.__dict__))
            self._startPage()

        def save(self):
            total = len(self._pages)
            for state in self._pages:
                self.__dict__.update(state)
                self.setFont(regular, 8)
                self.setFillColor(colors.black)
                self.setStrokeColor(GREY_MID)
                self.line(MARGIN, 11 * mm, PAGE[0] - MARGIN, 11 * mm)
                self.drawString(MARGIN, 7 * mm, footer_left)
                self.drawRightString(PAGE[0] - MARGIN, 7 * mm, f"{page_word} {self._pageNumber} / {total}")
                super().showPage()
            super().save()

    return NumberedCanvas
