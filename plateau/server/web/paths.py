"""Where the web pages' templates and static files are (inside the package)."""

from __future__ import annotations

from pathlib import Path

STATIC = Path(__file__).with_name("static")
TEMPLATES = Path(__file__).with_name("templates")
