"""The one way the harness waits: poll a condition until it holds or a budget runs out."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

T = TypeVar("T")


@dataclass(frozen=True)
class Budget:
    """A time budget as promised, and as allowed here.

    On an emulated platform (QEMU) everything is slower, not wrong: the
    promise is multiplied by the run's emulation scale here, once, and
    rendered the same way everywhere ("50s (5s x10, emulated)").
    """

    promised_s: float
    scale: float = 1.0

    @property
    def seconds(self) -> float:
        return self.promised_s * self.scale

    def __str__(self) -> str:
        if self.scale == 1.0:
            return f"{self.promised_s:g}s"
        return f"{self.seconds:g}s ({self.promised_s:g}s x{self.scale:g}, emulated)"


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
