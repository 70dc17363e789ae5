"""A cancelled run cleans up: SIGTERM ends it the way Ctrl-C does."""

from __future__ import annotations

import signal
import threading


def interrupt_on_sigterm() -> bool:
    """Make SIGTERM (a cancelled CI job, `kill`) end the run the way Ctrl-C does.

    pytest turns KeyboardInterrupt into an orderly session end, so every
    container, network and volume of the run is removed; by default SIGTERM
    would kill the process on the spot and leave them to the next run's sweep.
    A handler someone else installed is left alone. True if it was installed.
    """
    if threading.current_thread() is not threading.main_thread():
        return False
    if signal.getsignal(signal.SIGTERM) is not signal.SIG_DFL:
        return False

    def interrupt(signum: int, frame: object) -> None:
        # One is enough: a second SIGTERM (a CI runner's follow-up, an impatient
        # `kill`) must not interrupt the clean-up the first one started.
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        raise KeyboardInterrupt(f"shipshape: {signal.Signals(signum).name} received")

    signal.signal(signal.SIGTERM, interrupt)
    return True
