"""A Compose stack under test: unique project name, labelled, always removed.

Every resource the stack creates carries the run's `shipshape` labels
(through a generated override file), so the end-of-run removal and the
sweep of crashed runs find it like any other container. The same override
substitutes the builds' base images (the bases file), as a team with a
mirror would in its own override; images the stack builds under its
project's name are removed with it.

Properties reach a stack only through their `Subject` (`subject.stack()`).
"""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import tempfile
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import yaml

from shipshape.build import builder_turn
from shipshape.errors import HarnessError, PropertyFailed
from shipshape.waiting import poll

LOOPBACK = "127.0.0.1"
# What `docker compose` says when it loses the engine itself: no verdict
# about the stack can be drawn from that.
ENGINE_LOST = ("error during connect", "Cannot connect to the Docker daemon")
# What a clean shell passes on to `docker compose`: how to reach the engine
# and the builder, nothing of the harness's own (no APP_IMAGE...).
ENGINE_VARIABLES = ("PATH", "HOME", "TMPDIR", "LANG", "XDG_RUNTIME_DIR", "XDG_CONFIG_HOME")
ENGINE_PREFIXES = ("DOCKER_", "BUILDX_")


def engine_environment() -> dict[str, str]:
    """The part of this process's environment that only selects the engine and tools."""
    return {
        key: value
        for key, value in os.environ.items()
        if key in ENGINE_VARIABLES or key.startswith(ENGINE_PREFIXES)
    }


@dataclass
class ComposeStack:
    files: tuple[Path, ...]
    project: str
    env: Mapping[str, str]
    labels: Mapping[str, str]
    # Named build contexts (official base -> docker-image://substitute) for
    # every service the stack builds: the bases file, applied to Compose.
    build_contexts: Mapping[str, str] = field(default_factory=dict)
    # False: `docker compose` sees only the engine's variables and `env`,
    # as from a clean shell; True: this process's whole environment too.
    inherit_env: bool = True
    env_file: Path | None = None
    # The database password the stack was given (its secret file's content).
    password: str = ""
    _label_file: Path | None = None
    _tmp: tempfile.TemporaryDirectory | None = field(default=None, repr=False)

    def compose(
        self, *args: str, timeout: float = 300, files: tuple[Path, ...] | None = None
    ) -> subprocess.CompletedProcess[str]:
        """`docker compose` on this stack's files (or only `files`, without the labels)."""
        command = ["docker", "compose", "-p", self.project]
        if self.env_file is not None:
            command += ["--env-file", str(self.env_file)]
        if files is None:
            files = (*self.files, *([self._label_file] if self._label_file else []))
        for file in files:
            command += ["-f", str(file)]
        done = subprocess.run(
            [*command, *args],
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
            env={**(os.environ if self.inherit_env else engine_environment()), **self.env},
            cwd=self.files[0].parent,
        )
        if done.returncode != 0 and any(marker in done.stderr for marker in ENGINE_LOST):
            raise HarnessError(
                f"the engine was lost during `docker compose {' '.join(args)}`: "
                f"{done.stderr.strip()[-400:]}"
            )
        return done

    def config(self, files: tuple[Path, ...] | None = None) -> dict:
        """The merged configuration (of `files` only, when given), as Compose resolves it."""
        done = self.compose("config", "--format", "json", files=files)
        if done.returncode != 0:
            raise PropertyFailed(f"docker compose config failed: {done.stderr.strip()[-500:]}")
        return json.loads(done.stdout)

    def write_labels(self) -> None:
        """An override that puts the run's labels on every service, volume and network."""
        config = self.config()
        labels = dict(self.labels)
        services: dict[str, dict] = {}
        for name, service in config.get("services", {}).items():
            services[name] = {"labels": labels}
            if service.get("build") and self.build_contexts:
                services[name]["build"] = {"additional_contexts": dict(self.build_contexts)}
        override = {
            "services": services,
            "volumes": {name: {"labels": labels} for name in config.get("volumes") or {}},
            "networks": {name: {"labels": labels} for name in config.get("networks") or {}},
        }
        self._tmp = tempfile.TemporaryDirectory(prefix="shipshape-compose-")
        self._label_file = Path(self._tmp.name) / "shipshape-labels.yml"
        self._label_file.write_text(yaml.safe_dump(override))

    def up(self, within_s: float, *args: str, build_s: float = 0) -> float:
        """Seconds until `up --wait` returns with every service healthy.

        `args` are more `up` flags (`--pull never`); `build_s` is time allowed
        for the builds `up` may run on top of the wait.
        """
        # `up` builds what the stack builds: on the engine's BuildKit, in turn
        # with every other build (an uncached one alone; see builder_turn).
        with builder_turn(exclusive=False):
            started = time.monotonic()
            done = self.compose(
                "up",
                "-d",
                "--wait",
                "--wait-timeout",
                str(int(within_s)),
                *args,
                timeout=within_s + build_s + 60,
            )
        if done.returncode != 0:
            raise PropertyFailed(
                f"`docker compose up --wait` failed within {within_s:g}s: "
                f"{done.stderr.strip()[-600:]}\n--- logs (tail) ---\n{self.logs_tail()}"
            )
        return time.monotonic() - started

    def down(self, *, volumes: bool, images: bool = False) -> None:
        """`images`: also remove what the stack built under its project's name
        (`--rmi local`: never an image a service names with `image:`)."""
        args = ["down", "--remove-orphans", "--timeout", "10"] + (["--volumes"] if volumes else [])
        self.compose(*args, *(["--rmi", "local"] if images else []))

    def wait_until(self, probe: Callable[[], bool], within_s: float) -> float | None:
        """Seconds until `probe()` is true, or None at the deadline (a refused
        request or a missing container counts as "not yet")."""
        started = time.monotonic()

        def holds() -> float | None:
            try:
                return time.monotonic() - started if probe() else None
            except (httpx.HTTPError, PropertyFailed):
                return None

        return poll(holds, within_s, every_s=0.5)

    def has_image(self, ref: str) -> bool:
        done = subprocess.run(
            ["docker", "image", "inspect", ref], capture_output=True, text=True, check=False
        )
        return done.returncode == 0

    def pull(self, ref: str) -> subprocess.CompletedProcess[str]:
        """An explicit pull of an image the stack names (never one it does not)."""
        return subprocess.run(
            ["docker", "pull", ref], capture_output=True, text=True, check=False, timeout=600
        )

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

    def logs_of(self, service: str) -> str:
        return self.compose("logs", "--no-color", service).stdout

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


def new_password() -> str:
    """A fresh password per stack, with the characters that break a pasted URL
    (`@`, `/`, `:`, `%`, `#`, `?`): the stack must carry it through a secret
    file and build its URL safely."""
    return f"{secrets.token_urlsafe(12)}@/:%#?{secrets.token_urlsafe(6)}"


@contextmanager
def running_stack(stack: ComposeStack) -> Iterator[ComposeStack]:
    """A labelled stack, taken down with its volumes and built images whatever happens."""
    try:
        stack.write_labels()
        yield stack
    finally:
        stack.down(volumes=True, images=True)
        if stack._tmp is not None:
            stack._tmp.cleanup()
