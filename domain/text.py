"""Message text: what a message may contain, and which language it is written in."""

from __future__ import annotations

import unicodedata

MAX_MESSAGE_LENGTH = 4000
ALLOWED_CONTROLS = frozenset("\n\t")


def message_problem(content: str) -> str | None:
    """Why `content` cannot be a message, or None when it can.

    Line breaks and tabs are text; other control characters (NUL, escape sequences, a
    carriage return on its own …) are refused rather than stored and shown to others.
    Bidirectional marks (format characters) are kept: Hebrew text needs them.
    """
    if not content.strip():
        return "A message cannot be empty"
    if len(content) > MAX_MESSAGE_LENGTH:
        return f"A message holds at most {MAX_MESSAGE_LENGTH:,} characters (this one has {len(content):,})"
    for ch in content:
        if unicodedata.category(ch) == "Cc" and ch not in ALLOWED_CONTROLS:
            return f"A message cannot contain control characters (found U+{ord(ch):04X})"
    return None


def detect_language(content: str) -> str:
    """'he' when the letters are Hebrew, 'en' when they are Latin (or there are none), 'mixed' when both."""
    hebrew = latin = 0
    for ch in content:
        if "\u0590" <= ch <= "\u05ff" or "\ufb1d" <= ch <= "\ufb4f":
            hebrew += 1
        elif ch.isascii() and ch.isalpha() or ("\u00c0" <= ch <= "\u024f" and ch.isalpha()):
            latin += 1
    if hebrew and latin:
        return "mixed"
    return "he" if hebrew else "en"
