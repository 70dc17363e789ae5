"""Text helpers for messages."""

from __future__ import annotations


def tail(text: str, lines: int = 25) -> str:
    """The last `lines` lines of a log, for a failure message."""
    return "\n".join(text.rstrip().splitlines()[-lines:])
