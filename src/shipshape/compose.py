"""A Compose stack under test: unique project name, labelled, always removed.

Every resource the stack creates carries the run's `shipshape` labels
(through a generated override file), so the end-of-run removal and the
sweep of crashed runs find it like any other container.
"""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import tempfile
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import yaml

from shipshape.errors import PropertyFailed
from shipshape.waiting import poll

LOOPBACK = "127.0.0.1"


@dataclass
class ComposeStack:
    files: tuple[Path, ...]
    project: str
    env: Mapping[str, str]
    labels: Mapping[str, str]
    _label_file: Path | None = None
    _tmp: tempfile.TemporaryDirectory | None = field(default=None, repr=False)

    def compose(self, *args: str, timeout: float = 300) -> subprocess.CompletedProcess[str]:
        command = ["docker", "compose", "-p", self.project]
        for file in (*self.files, *([self._label_file] if self._label_file else [])):
            command += ["-f", str(file)]
        return subprocess.run(
            [*command, *args],
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
            env={**os.environ, **self.env},
            cwd=self.files[0].parent,
        )

    def config(self) -> dict:
        done = self.compose("config", "--format", "json")
        if done.returncode != 0:
            raise PropertyFailed(f"docker compose config failed: {done.stderr.strip()[-500:]}")
        return json.loads(done.stdout)

    def write_labels(self) -> None:
        """An override that puts the run's labels on every service, volume and network."""
        config = self.config()
        labels = dict(self.labels)
        override = {
            "services": {name: {"labels": labels} for name in config.get("services", {})},
            "volumes": {name: {"labels": labels} for name in config.get("volumes") or {}},
            "networks": {name: {"labels": labels} for name in config.get("networks") or {}},
        }
        self._tmp = tempfile.TemporaryDirectory(prefix="shipshape-compose-")
        self._label_file = Path(self._tmp.name) / "shipshape-labels.yml"
        self._label_file.write_text(yaml.safe_dump(override))

    def up(self, within_s: float) -> float:
        """Seconds until `up --wait` returns with every service healthy."""
        started = time.monotonic()
        done = self.compose(
            "up", "-d", "--wait", "--wait-timeout", str(int(within_s)), timeout=within_s + 60
        )
        if done.returncode != 0:
            raise PropertyFailed(
                f"`docker compose up --wait` failed within {within_s:g}s: "
                f"{done.stderr.strip()[-600:]}\n--- logs (tail) ---\n{self.logs_tail()}"
            )
        return time.monotonic() - started

    def down(self, *, volumes: bool) -> None:
        args = ["down", "--remove-orphans", "--timeout", "10"] + (["--volumes"] if volumes else [])
        self.compose(*args)

    def url(self, service: str, port: int, path: str) -> str:
        done = self.compose("port", service, str(port))
        host_port = done.stdout.strip()
        if done.returncode != 0 or not host_port.startswith(f"{LOOPBACK}:"):
            actual = host_port or done.stderr.strip()
            raise PropertyFailed(f"{service}:{port} is not published on {LOOPBACK} ({actual})")
        return f"http://{host_port}{path}"

    def get(self, service: str, port: int, path: str) -> httpx.Response:
        return httpx.get(self.url(service, port, path), timeout=5.0)

    def container(self, service: str) -> dict:
        done = self.compose("ps", "--all", "--format", "json", service)
        lines = [json.loads(line) for line in done.stdout.splitlines() if line.strip()]
        if not lines:
            raise PropertyFailed(f"no container for service {service}")
        inspect = subprocess.run(
            ["docker", "inspect", lines[0]["ID"]], capture_output=True, text=True, check=False
        )
        return json.loads(inspect.stdout)[0]

    def logs_tail(self, lines: int = 20) -> str:
        return self.compose("logs", "--no-color", "--tail", str(lines)).stdout.rstrip()

    def leftovers(self) -> list[str]:
        """Containers, networks and volumes of this project that still exist."""
        selector = f"label=com.docker.compose.project={self.project}"
        found = []
        for kind in ("container", "network", "volume"):
            listing = ["docker", kind, "ls", "-q", "--filter", selector]
            if kind == "container":
                listing.insert(3, "-a")
            done = subprocess.run(listing, capture_output=True, text=True, check=False)
            found += [f"{kind} {name}" for name in done.stdout.split()]
        return found


def project_name(run_id: str, variant: str) -> str:
    """Unique per stack: parallel runs and parallel stacks never share one."""
    return f"shipshape-{run_id}-{variant}-{secrets.token_hex(3)}".lower()


@contextmanager
def running_stack(
    files: tuple[Path, ...], project: str, env: Mapping[str, str], labels: Mapping[str, str]
) -> Iterator[ComposeStack]:
    """A labelled stack, taken down with its volumes whatever happens inside."""
    stack = ComposeStack(files, project, env, labels)
    try:
        stack.write_labels()
        yield stack
    finally:
        stack.down(volumes=True)
        if stack._tmp is not None:
            stack._tmp.cleanup()


def wait_for(probe, within_s: float, poll_s: float = 0.5) -> float | None:
    """Seconds until `probe()` is true, or None at the deadline."""
    started = time.monotonic()

    def holds() -> float | None:
        try:
            return time.monotonic() - started if probe() else None
        except (httpx.HTTPError, PropertyFailed):
            return None

    return poll(holds, within_s, every_s=poll_s)


@dataclass(frozen=True)
class ComposeParams:
    """What every compose-* property needs to bring the stack up."""

    compose_file: Path = Path("dockerfiles/docker-compose.yml")
    app_service: str = "app"
    app_port: int = 8000
    # The app's health route, which reports its backends.
    health_path: str = "/health"
    # Official image names the compose file defaults to; the harness passes
    # their substitutes (a mirror, the offline stand-ins) as these variables.
    images: Mapping[str, str] = field(
        default_factory=lambda: {"POSTGRES_IMAGE": "postgres:16", "REDIS_IMAGE": "redis:7"}
    )
    within_s: float = 90.0
