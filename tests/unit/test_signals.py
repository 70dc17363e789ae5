"""SIGTERM ends a run the way Ctrl-C does, once: the clean-up it starts is not cut short."""

from __future__ import annotations

import os
import signal
from collections.abc import Iterator

import pytest

from shipshape.signals import interrupt_on_sigterm


@pytest.fixture
def default_sigterm() -> Iterator[None]:
    before = signal.signal(signal.SIGTERM, signal.SIG_DFL)
    yield
    signal.signal(signal.SIGTERM, before)


def test_the_first_sigterm_interrupts_and_a_second_is_ignored(default_sigterm: None) -> None:
    assert interrupt_on_sigterm()
    with pytest.raises(KeyboardInterrupt, match="SIGTERM received"):
        os.kill(os.getpid(), signal.SIGTERM)
    assert signal.getsignal(signal.SIGTERM) is signal.SIG_IGN
    os.kill(os.getpid(), signal.SIGTERM)  # during the clean-up: no interruption


def test_a_handler_installed_by_someone_else_is_left_alone(default_sigterm: None) -> None:
    def theirs(signum: int, frame: object) -> None: ...

    signal.signal(signal.SIGTERM, theirs)
    assert not interrupt_on_sigterm()
    assert signal.getsignal(signal.SIGTERM) is theirs
