"""Text helpers for messages."""

from __future__ import annotations


def tail(text: str, lines: int = 25) -> str:
    """The last `lines` lines of a log, for a failure message."""
    return "\n".join(text.rstrip().splitlines()[-lines:])


def ending(output: str, limit: int = 400) -> str:
    """The end of a tool's output for a message: its last `limit` characters, or 'no output'."""
    text = output.strip()
    if not text:
        return "no output"
    return text if len(text) <= limit else "..." + text[-limit:]


def listing(items: list[str], limit: int = 15) -> str:
    """Items one per indented line for a failure message, the first `limit` of them."""
    more = f"\n  ... and {len(items) - limit} more" if len(items) > limit else ""
    return "\n  " + "\n  ".join(items[:limit]) + more
