"""Running a built image and probing it from the host.

Ports are published on 127.0.0.1 only and probed there: never a
container's own address. Every container carries the run's labels so the
run (or a later sweep) removes it.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import docker
import docker.errors
import httpx
from docker.models.containers import Container

from shipshape.errors import PropertyFailed
from shipshape.probe import LOOPBACK, Answer, LocalProbe, Probe
from shipshape.waiting import poll

# How a file is read inside a container, in order: `cat` where the image has
# coreutils; the image's own Python where it has nothing else (a FROM scratch
# runtime: no shell, no cat). Bytes pass through unchanged (/proc/1/cmdline).
PYTHON_CAT = "import sys; sys.stdout.buffer.write(open(sys.argv[1], 'rb').read())"
FILE_READERS: tuple[tuple[str, ...], ...] = (
    ("cat",),
    ("python3", "-c", PYTHON_CAT),
    ("python", "-c", PYTHON_CAT),
)


@dataclass(frozen=True)
class RunOptions:
    """Extra `docker run` settings, e.g. the hardened profile's."""

    read_only: bool = False
    tmpfs: Mapping[str, str] = field(default_factory=dict)
    cap_drop: tuple[str, ...] = ()
    security_opt: tuple[str, ...] = ()
    user: str | None = None
    environment: Mapping[str, str] = field(default_factory=dict)
    platform: str | None = None
    # No HEALTHCHECK probes: nothing talks to the server unless the test does.
    no_healthcheck: bool = False
    # The image's HEALTHCHECK with some timings replaced (nanoseconds, by
    # the Docker SDK's keys: timeout, start_period); the rest is inherited.
    healthcheck_timing: Mapping[str, int] = field(default_factory=dict)
    # Bind mounts: host path -> container path.
    volumes: Mapping[str, str] = field(default_factory=dict)
    memory_limit_bytes: int | None = None
    cpu_limit: float | None = None  # CPUs, as `docker run --cpus`

    def as_kwargs(self) -> dict[str, Any]:
        kwargs: dict[str, Any] = {"read_only": self.read_only}
        if self.no_healthcheck:
            kwargs["healthcheck"] = {"test": ["NONE"]}
        elif self.healthcheck_timing:
            # No `test`: the engine keeps the image's command and other fields.
            kwargs["healthcheck"] = dict(self.healthcheck_timing)
        if self.volumes:
            kwargs["volumes"] = {
                host: {"bind": at, "mode": "rw"} for host, at in self.volumes.items()
            }
        optional = {
            "tmpfs": dict(self.tmpfs),
            "cap_drop": list(self.cap_drop),
            "security_opt": list(self.security_opt),
            "user": self.user,
            "environment": dict(self.environment),
            "platform": self.platform,
        }
        if self.memory_limit_bytes is not None:
            # The kubelet runs pods without swap: the memory limit is the whole budget.
            optional["mem_limit"] = self.memory_limit_bytes
            optional["memswap_limit"] = self.memory_limit_bytes
        if self.cpu_limit is not None:
            optional["nano_cpus"] = int(self.cpu_limit * 1e9)
        kwargs.update({key: value for key, value in optional.items() if value})
        return kwargs


# What a wait answers when the container exited first (never a real duration).
EXITED = -1.0


@dataclass(frozen=True)
class Ready:
    how: str  # healthy | http | http-healthcheck-failing | exited
    seconds: float


@dataclass
class RunningContainer:
    container: Container
    port: int  # the container port that is published
    probe: Probe = field(default_factory=LocalProbe)

    @property
    def short_id(self) -> str:
        return self.container.short_id

    def reload(self) -> dict[str, Any]:
        self.container.reload()
        return self.container.attrs

    def host_port(self) -> int | None:
        bindings = (self.reload()["NetworkSettings"]["Ports"] or {}).get(f"{self.port}/tcp")
        for binding in bindings or []:
            if binding.get("HostIp") == LOOPBACK:
                return int(binding["HostPort"])
        return None

    def url(self, path: str) -> str:
        """The published URL, as messages name it (on the engine host when it is remote)."""
        port = self.host_port()
        if port is None:
            raise RuntimeError(f"container port {self.port} is not published on {LOOPBACK}")
        return f"http://{LOOPBACK}:{port}{path}{self.probe.where}"

    def get(self, path: str, timeout: float = 5.0) -> Answer:
        """GET `path` through the published port; httpx.HTTPError when nothing answers."""
        port = self.host_port()
        if port is None:
            raise httpx.ConnectError(f"container port {self.port} is not published on {LOOPBACK}")
        return self.probe.get(port, path, timeout)

    def status(self) -> str:
        return self.reload()["State"]["Status"]

    def oom_killed(self) -> bool:
        return bool(self.reload()["State"].get("OOMKilled"))

    def health_status(self) -> str | None:
        health = self.reload()["State"].get("Health")
        return health["Status"] if health else None

    def health_log_tail(self, entries: int = 3) -> str:
        health = self.reload()["State"].get("Health") or {}
        log = health.get("Log") or []
        return "\n".join(
            f"exit {e.get('ExitCode')}: {(e.get('Output') or '').strip()[-300:]}"
            for e in log[-entries:]
        )

    def logs_tail(self, lines: int = 30) -> str:
        try:
            return self.container.logs(tail=lines).decode(errors="replace").rstrip()
        except docker.errors.APIError as exc:
            return f"(logs unavailable: {exc})"

    def exit_code(self) -> int | None:
        """The exit code of a container that ended; None while it runs."""
        state = self.reload()["State"]
        return None if state["Status"] == "running" else state.get("ExitCode")

    def exec(self, *command: str, user: str | None = None) -> tuple[int, str]:
        if self.status() != "running":
            raise PropertyFailed(
                f"the container is not running (exit code {self.exit_code()}), so it "
                f"cannot be inspected\n--- container log (tail) ---\n{self.logs_tail()}"
            )
        result = self.container.exec_run(list(command), user=user or "", demux=False)
        return result.exit_code, (result.output or b"").decode(errors="replace")

    def read_file(self, path: str) -> str:
        """A file's text, read inside the container (works for /proc, whose files
        `docker cp` sees as empty): with `cat`, else with the image's Python, so
        an image without a shell or coreutils (FROM scratch) can still be asked."""
        failures = []
        for reader in FILE_READERS:
            code, output = self.exec(*reader, path)
            if code == 0:
                return output
            failures.append(f"{reader[0]}: {output.strip()[-200:]}")
        raise RuntimeError(f"cannot read {path} in the container: " + "; ".join(failures))

    def exited(self) -> bool:
        return self.status() in ("exited", "dead")

    def _seconds_until(
        self,
        condition: Callable[[], bool],
        within_s: float,
        give_up: Callable[[], bool] = lambda: False,
    ) -> float | None:
        """Seconds until `condition` holds; None at the deadline, once the container
        exits, or once `give_up` says the outcome is known."""
        started = time.monotonic()

        def probe() -> float | None:
            if condition():
                return time.monotonic() - started
            return EXITED if self.exited() or give_up() else None

        seconds = poll(probe, within_s)
        return None if seconds is None or seconds == EXITED else seconds

    def wait_running(self, within_s: float) -> bool:
        return self._seconds_until(lambda: self.status() == "running", within_s) is not None

    def wait_exited(self, within_s: float) -> bool:
        """Whether the container has exited within `within_s` seconds."""
        return poll(lambda: True if self.exited() else None, within_s) is True

    def wait_healthy(self, within_s: float) -> float | None:
        """Seconds until the engine reports `healthy`, or None.

        The wait ends as soon as the engine says `unhealthy`: its retries are
        spent, which is where `docker compose up --wait` gives up too.
        """
        status = self.health_status
        return self._seconds_until(
            lambda: status() == "healthy", within_s, give_up=lambda: status() == "unhealthy"
        )

    def answers(self, path: str) -> bool:
        """Whether the server answers `path` at all (any status below 500)."""
        try:
            return self.get(path, timeout=1.0).status_code < 500
        except httpx.HTTPError:
            return False

    def wait_ready_under(
        self, path: str, within_s: float, *, healthcheck: bool, grace_s: float
    ) -> Ready | None:
        """How and when the server became ready, or None (exited, or the budget ran out).

        Without a HEALTHCHECK, ready is an HTTP answer on `path`. With one,
        ready is `healthy`; but once the server answers, the HEALTHCHECK
        gets `grace_s` to agree, and after that the answer is taken instead
        (a HEALTHCHECK that never passes is `healthy`'s failure).
        """
        started = time.monotonic()
        answering_since: float | None = None

        def probe() -> Ready | None:
            nonlocal answering_since
            if self.status() in ("exited", "dead"):
                return Ready("exited", time.monotonic() - started)
            now = time.monotonic()
            if healthcheck and self.health_status() == "healthy":
                return Ready("healthy", now - started)
            if answering_since is None and self.answers(path):
                answering_since = now
            if answering_since is not None and not healthcheck:
                return Ready("http", now - started)
            if answering_since is not None and now - answering_since >= grace_s:
                return Ready("http-healthcheck-failing", answering_since - started)
            return None

        ready = poll(probe, within_s)
        return None if ready is None or ready.how == "exited" else ready

    def wait_http(self, path: str, within_s: float) -> float | None:
        """Seconds until `path` answers on the published port, or None."""
        return self._seconds_until(lambda: self.answers(path), within_s)

    def wait_ready(self, path: str, within_s: float) -> bool:
        """Whether the container became healthy, or `path` answered, within `within_s`."""
        ready = lambda: self.health_status() == "healthy" or self.answers(path)  # noqa: E731
        return self._seconds_until(ready, within_s) is not None

    def remove(self) -> None:
        with contextlib.suppress(docker.errors.NotFound):
            self.container.remove(force=True, v=True)


def start(
    client: docker.DockerClient,
    image: str,
    *,
    port: int,
    labels: Mapping[str, str],
    options: RunOptions | None = None,
    probe: Probe | None = None,
) -> RunningContainer:
    """Start `image` detached with `port` published on 127.0.0.1 (a random host port)."""
    container = client.containers.run(
        image,
        detach=True,
        ports={f"{port}/tcp": (LOOPBACK, None)},
        labels=dict(labels),
        **(options or RunOptions()).as_kwargs(),
    )
    return RunningContainer(container, port, probe or LocalProbe())
