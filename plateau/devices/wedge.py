"""Keyboard-wedge timing, without Qt: tells a reader's burst from a person typing (see keyboard.py)."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from plateau.devices.frames import Frame, parse_uid_text
from plateau.domain.phone_badge import is_payload

log = logging.getLogger(__name__)

DEFAULT_MAX_GAP_MS = 35
DEFAULT_MIN_LENGTH = 4
_MAX_LENGTH = 64   # a phone badge's text (plateau.domain.phone_badge) is about 30 characters


# USB readers type as a US keyboard: they send the key positions of "1".."0" and "a".."f". On a
# French AZERTY desktop the same positions print "&é\"'(-è_çà" and "q" instead of "a" (the other
# hex letters sit where they are). The X11/evdev key codes of those positions do not depend on the
# layout, so they give the character the reader meant; without a key code (synthetic events) the
# AZERTY characters are mapped back, as none of them can be part of a UID.
_US_BY_KEYCODE = {10: "1", 11: "2", 12: "3", 13: "4", 14: "5", 15: "6", 16: "7", 17: "8", 18: "9", 19: "0",
                  38: "a", 56: "b", 54: "c", 40: "d", 26: "e", 41: "f",
                  87: "1", 88: "2", 89: "3", 83: "4", 84: "5", 85: "6", 79: "7", 80: "8", 81: "9", 90: "0"}
_FROM_AZERTY = str.maketrans("&é\"'(-è_çàqQ", "1234567890aA")


def reader_char(text: str, keycode: int = 0) -> str:
    """The character a US-layout reader meant by a key event (`keycode`: X11/evdev, 0 if unknown)."""
    if keycode in _US_BY_KEYCODE:
        char = _US_BY_KEYCODE[keycode]
        return char.upper() if text.isupper() else char
    return text.translate(_FROM_AZERTY)


@dataclass
class WedgeAssembler:
    """Assembles reader bursts from (character, instant) pairs. Pure; owned by one thread."""

    max_gap_ms: int = DEFAULT_MAX_GAP_MS
    min_length: int = DEFAULT_MIN_LENGTH
    uid_format: str = "hex"
    prefix: str = ""
    suffix: str = ""
    chars: list[str] = field(default_factory=list)
    last_at: float | None = None
    # the characters as the keyboard layout typed them: a 2D scanner set to the kiosk's layout
    # types a phone badge's text (letters, ':') as is, where `chars` maps keys back to US hex
    typed: list[str] = field(default_factory=list)

    def key(self, char: str, at: float, typed: str | None = None) -> list[str]:
        """A printable character at `at` (seconds); `typed` is the character before `reader_char`
        mapped it (defaults to `char`). Returns the characters of a run this key ended (too slow:
        they belong to a person) so the caller can hand them back; usually []."""
        dropped: list[str] = []
        if self.last_at is not None and (at - self.last_at) * 1000 > self.max_gap_ms:
            dropped, self.chars, self.typed = self.chars, [], []
        if len(self.chars) >= _MAX_LENGTH:
            dropped, self.chars, self.typed = dropped + self.chars, [], []
        self.chars.append(char)
        self.typed.append(char if typed is None else typed)
        self.last_at = at
        return dropped

    def enter(self, at: float) -> tuple[str | None, list[str]]:
        """Enter at `at`: (canonical UID, []) for a reader burst; (None, the held characters) otherwise."""
        chars, last, typed = self.chars, self.last_at, self.typed
        self.chars, self.last_at, self.typed = [], None, []
        if not chars:
            return None, []
        if last is None or (at - last) * 1000 > self.max_gap_ms or len(chars) < self.min_length:
            return None, chars
        for spelling in ("".join(typed), "".join(chars)):
            phone = self._strip(spelling)
            if is_payload(phone):   # a phone badge's QR code read by a 2D scanner: its text as is
                return phone, []
        text = self._strip("".join(chars))
        event = parse_uid_text(text.strip(), self.uid_format)
        if isinstance(event, Frame):
            return event.uid, []
        log.warning("reader=keyboard event=rejected reason=%r raw=%s", event.reason, event.raw.hex())
        return None, []  # a burst at reader speed that is not a UID: swallow it, like a bad frame

    def _strip(self, text: str) -> str:
        """The scanner's configured prefix and suffix taken off."""
        text = text.strip()
        if self.prefix and text.startswith(self.prefix):
            text = text[len(self.prefix):]
        if self.suffix and text.endswith(self.suffix):
            text = text[: -len(self.suffix)]
        return text.strip()

    def reset(self) -> None:
        self.chars, self.last_at, self.typed = [], None, []

    def expire(self, now: float) -> list[str]:
        """Called when no key came for a while: a pending run older than the gap is a person's."""
        if self.chars and self.last_at is not None and (now - self.last_at) * 1000 > self.max_gap_ms:
            chars, self.chars, self.last_at, self.typed = self.chars, [], None, []
            return chars
        return []
