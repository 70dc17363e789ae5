"""Reaching a container's published port, wherever the engine runs.

Ports are published on the *engine host's* 127.0.0.1 only, never beyond,
and never is a container's own address used. With a local engine that
loopback is ours: requests go straight to it. With a remote engine
(DOCKER_HOST or a context naming another machine) it is not, so the request
is made *on the engine host*: from a probe container on that engine's host
network, which sees the same 127.0.0.1 the port is published on. Either way
the request travels the published port into the container, which is what
`listen` promises.

The probe container runs the image under test (whose Python it needs) with
its own entrypoint replaced, labelled like everything else the run creates.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Protocol

import docker
import docker.errors
import httpx
from docker.models.containers import Container

from shipshape.errors import HarnessError

LOOPBACK = "127.0.0.1"

# One GET, answered as JSON on stdout: {"status": 200, "body": "..."} or {"error": "..."}.
GET_SCRIPT = """
import json, sys, urllib.error, urllib.request
url, timeout = sys.argv[1], float(sys.argv[2])
try:
    with urllib.request.urlopen(url, timeout=timeout) as r:
        print(json.dumps({"status": r.status, "body": r.read(65536).decode("utf-8", "replace")}))
except urllib.error.HTTPError as e:
    print(json.dumps({"status": e.code, "body": e.read(65536).decode("utf-8", "replace")}))
except Exception as e:
    print(json.dumps({"error": f"{type(e).__name__}: {e}"}))
"""


@dataclass(frozen=True)
class Answer:
    status_code: int
    text: str


class Probe(Protocol):
    where: str  # for messages: "" locally, " on the engine host" remotely

    def get(self, port: int, path: str, timeout: float) -> Answer:
        """GET 127.0.0.1:<port><path> as the engine host sees it; httpx.HTTPError if none."""
        ...

    def close(self) -> None: ...


class LocalProbe:
    where = ""

    def get(self, port: int, path: str, timeout: float) -> Answer:
        response = httpx.get(f"http://{LOOPBACK}:{port}{path}", timeout=timeout)
        return Answer(response.status_code, response.text)

    def close(self) -> None:
        pass


@dataclass
class EngineHostProbe:
    """Requests made from a container on the remote engine's host network."""

    client: docker.DockerClient
    image: str
    labels: Mapping[str, str]
    where: str = " on the engine host"
    _container: Container | None = field(default=None, repr=False)

    def _probe_container(self) -> Container:
        if self._container is None:
            self._container = self.client.containers.run(
                self.image,
                entrypoint=["python", "-c", "import time; time.sleep(86400)"],
                command=[],
                network_mode="host",
                user="",  # whatever the image's USER, the probe only makes requests
                detach=True,
                labels=dict(self.labels),
                healthcheck={"test": ["NONE"]},
            )
        return self._container

    def get(self, port: int, path: str, timeout: float) -> Answer:
        url = f"http://{LOOPBACK}:{port}{path}"
        result = self._probe_container().exec_run(
            ["python", "-c", GET_SCRIPT, url, str(timeout)], demux=False
        )
        output = (result.output or b"").decode(errors="replace").strip()
        try:
            answer = json.loads(output.splitlines()[-1])
        except (json.JSONDecodeError, IndexError):
            raise HarnessError(
                f"the probe on the engine host could not run (exit {result.exit_code}; it "
                f"needs python in the image {self.image}): {output[-300:]}"
            ) from None
        if "error" in answer:
            raise httpx.ConnectError(f"{answer['error']} (from the engine host)")
        return Answer(int(answer["status"]), answer["body"])

    def close(self) -> None:
        if self._container is not None:
            with contextlib.suppress(docker.errors.NotFound):
                self._container.remove(force=True)
            self._container = None
