"""The one way the harness waits: poll a condition until it holds or a budget runs out."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")


def poll(probe: Callable[[], T | None], within_s: float, every_s: float = 0.1) -> T | None:
    """The first non-None answer of `probe` within `within_s` seconds, else None.

    `probe` is asked at least once, and once more at the deadline, so a
    condition that holds exactly when the budget ends still counts.
    """
    deadline = time.monotonic() + within_s
    while True:
        answer = probe()
        if answer is not None:
            return answer
        if time.monotonic() >= deadline:
            return None
        time.sleep(min(every_s, max(0.0, deadline - time.monotonic())))
