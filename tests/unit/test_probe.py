"""Which way a published port is reached, and what the engine-host probe reports."""

from dataclasses import dataclass

import httpx
import pytest

from shipshape.engine import is_local
from shipshape.errors import HarnessError
from shipshape.probe import EngineHostProbe


@pytest.mark.parametrize(
    ("base_url", "local"),
    [
        ("http+docker://localhost", True),  # docker-py's unix socket
        ("unix:///var/run/docker.sock", True),
        ("tcp://127.0.0.1:2375", True),
        ("http://localhost:2375", True),
        ("tcp://10.250.0.2:2375", False),
        ("ssh://ci@docker-host", False),
    ],
)
def test_only_a_loopback_or_socket_engine_is_local(base_url: str, local: bool) -> None:
    assert is_local(base_url) is local


@dataclass
class _Exec:
    exit_code: int
    output: bytes


class _ProbeContainer:
    def __init__(self, output: bytes) -> None:
        self.output, self.commands = output, []

    def exec_run(self, command, demux=False):
        self.commands.append(command)
        return _Exec(0, self.output)


def _probe(output: bytes) -> tuple[EngineHostProbe, _ProbeContainer]:
    probe = EngineHostProbe(client=None, image="img", labels={})  # type: ignore[arg-type]
    container = _ProbeContainer(output)
    probe._container = container  # type: ignore[assignment]
    return probe, container


def test_the_engine_host_probe_asks_its_own_loopback() -> None:
    probe, container = _probe(b'{"status": 200, "body": "ok"}\n')
    answer = probe.get(49153, "/health", 2.0)
    assert (answer.status_code, answer.text) == (200, "ok")
    assert "http://127.0.0.1:49153/health" in container.commands[0]


def test_no_answer_on_the_engine_host_is_a_connect_error() -> None:
    probe, _ = _probe(b'{"error": "ConnectionRefusedError: [Errno 111]"}\n')
    with pytest.raises(httpx.ConnectError, match="from the engine host"):
        probe.get(49153, "/health", 2.0)


def test_a_probe_that_cannot_run_is_a_harness_error() -> None:
    probe, _ = _probe(b"exec: python: not found\n")
    with pytest.raises(HarnessError, match="needs python in the image"):
        probe.get(49153, "/", 2.0)
