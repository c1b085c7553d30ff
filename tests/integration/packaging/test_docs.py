"""The operator docs stay true to the code: every setting documented, every link pointing somewhere."""

from __future__ import annotations

import re
from dataclasses import fields
from pathlib import Path

REPO = Path(__file__).resolve().parents[3]
DOCS = REPO / "docs"
LINK = re.compile(r"\]\(([^)#\s]+\.md)?(#[^)\s]+)?\)")


def _anchors(text: str) -> set[str]:
    out = set()
    for heading in re.findall(r"^#+\s+(.+)$", text, flags=re.M):
        slug = re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")
        out.add(slug)
    return out


def test_every_station_setting_is_documented():
    from plateau.config import StationSettings

    text = (DOCS / "configuration.md").read_text()
    missing = []
    for section in fields(StationSettings):
        if section.name == "source":
            continue
        if f"### `[{section.name}]`" not in text:
            missing.append(f"[{section.name}]")
        for key in fields(section.default_factory()):
            if f"`{key.name}`" not in text:
                missing.append(f"[{section.name}] {key.name}")
    assert not missing, f"add these keys to docs/configuration.md: {missing}"


def test_every_site_setting_is_documented():
    from plateau.domain import policy

    text = (DOCS / "configuration.md").read_text()
    keys = [f.name for f in fields(policy.CategoryPolicy)] + list(policy._SITE_KEYS)
    missing = [k for k in keys if f"`{k}`" not in text]
    assert not missing, f"add these site settings to docs/configuration.md: {missing}"


def test_links_between_pages_resolve():
    broken = []
    for page in [REPO / "README.md", *DOCS.glob("*.md")]:
        for target, anchor in LINK.findall(page.read_text()):
            path = (page.parent / target) if target else page
            if not path.exists():
                broken.append(f"{page.name} -> {target}")
            elif anchor and anchor[1:] not in _anchors(path.read_text()):
                broken.append(f"{page.name} -> {target}{anchor}")
    assert not broken, broken
