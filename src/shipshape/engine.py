"""The Docker engine: connecting, labelling, and sweeping what a run leaves.

Everything shipshape creates carries the label `shipshape` plus the run's id
and the pid and host of the process that owns the run. A run removes its own
resources at the end (failure and Ctrl-C included); a later run sweeps those
of runs whose owner process is gone, never those of a run still going.
"""

from __future__ import annotations

import os
import socket
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import docker
import docker.errors
import requests

from shipshape.errors import ConfigError

LABEL = "shipshape"
RUN_LABEL = "shipshape.run"
PID_LABEL = "shipshape.owner-pid"
HOST_LABEL = "shipshape.owner-host"

START_HINT = (
    "start one (e.g. `sudo dockerd &`, Docker Desktop, or on the shipshape build machines "
    "`bash ../shared/env/provision-docker.sh`) or point DOCKER_HOST at one"
)


@dataclass(frozen=True)
class RunIdentity:
    """Who owns the resources of this run; shared by all xdist workers of a run."""

    run_id: str
    owner_pid: int
    owner_host: str

    @classmethod
    def new(cls) -> RunIdentity:
        return cls(uuid.uuid4().hex[:10], os.getpid(), socket.gethostname())

    def labels(self) -> dict[str, str]:
        return {
            LABEL: "1",
            RUN_LABEL: self.run_id,
            PID_LABEL: str(self.owner_pid),
            HOST_LABEL: self.owner_host,
        }


def connect() -> docker.DockerClient:
    """A client for DOCKER_HOST (or the default socket), or one clear ConfigError."""
    where = os.environ.get("DOCKER_HOST", "unix:///var/run/docker.sock")
    try:
        client = docker.from_env(timeout=120)
        client.ping()
    except docker.errors.DockerException as exc:
        reason = str(exc).splitlines()[0][:160]
        raise ConfigError(
            f"no Docker engine reachable at {where} ({reason}): {START_HINT}"
        ) from None
    return client


def reachable(client: docker.DockerClient) -> bool:
    """Whether the engine still answers (a failed call may be the engine going away)."""
    try:
        return bool(client.ping())
    except (docker.errors.DockerException, requests.exceptions.RequestException):
        return False


def native_platform(client: docker.DockerClient) -> str:
    arch = client.version().get("Arch", "amd64")
    return f"linux/{ {'x86_64': 'amd64', 'aarch64': 'arm64'}.get(arch, arch) }"


@dataclass(frozen=True)
class Resource:
    """A labelled container, network or volume, as the engine lists it."""

    kind: str
    name: str
    labels: dict[str, str]
    handle: Any

    def remove(self) -> None:
        self.handle.remove(**_REMOVE_OPTIONS[self.kind])


# Force: a running container or a volume still in use goes all the same.
_REMOVE_OPTIONS: dict[str, dict[str, bool]] = {
    "container": {"force": True, "v": True},
    "network": {},
    "volume": {"force": True},
}


def _owner_alive(labels: dict[str, str]) -> bool:
    if labels.get(HOST_LABEL) != socket.gethostname():
        return True  # another machine's run: not ours to judge
    try:
        os.kill(int(labels.get(PID_LABEL, "0")), 0)
    except (ProcessLookupError, ValueError):
        return False
    except PermissionError:
        return True
    return True


def _labelled(client: docker.DockerClient, selector: list[str]) -> Iterator[Resource]:
    """Every container, network and volume whose labels match all of `selector`."""
    for container in client.containers.list(all=True, filters={"label": selector}):
        yield Resource("container", container.name, container.labels, container)
    for network in client.networks.list(filters={"label": selector}):
        yield Resource("network", network.name, network.attrs.get("Labels") or {}, network)
    for volume in client.volumes.list(filters={"label": selector}):
        yield Resource("volume", volume.name, volume.attrs.get("Labels") or {}, volume)


def remove_labelled(client: docker.DockerClient, *, run_id: str | None = None) -> int:
    """Remove containers, networks and volumes of one run, or of every dead run.

    With `run_id`, exactly that run's resources go. Without it, the sweep at
    start: resources whose owner process no longer exists on this host.
    """
    removed = 0
    for resource in _labelled(client, _run_selector(run_id)):
        if run_id is not None or not _owner_alive(resource.labels):
            _quietly(resource.remove)
            removed += 1
    return removed


def remove_run(client: docker.DockerClient, run_id: str, settle_s: float = 15.0) -> None:
    """Remove one run's resources, and keep at it until none is left.

    A run interrupted while the engine was still creating or starting a
    container finds it busy (409) or not listed yet; it becomes removable a
    moment later, so one pass is not enough.
    """
    deadline = time.monotonic() + settle_s
    remove_labelled(client, run_id=run_id)
    while any(_labelled(client, _run_selector(run_id))) and time.monotonic() < deadline:
        time.sleep(0.5)
        remove_labelled(client, run_id=run_id)


def _run_selector(run_id: str | None) -> list[str]:
    """One run's resources, or (None) every shipshape resource."""
    return [f"{RUN_LABEL}={run_id}"] if run_id else [LABEL]


def owned_by(client: docker.DockerClient, owner_pid: int) -> list[str]:
    """What a run whose owner process is `owner_pid` (on this host) still has: 'kind name'."""
    selector = [f"{PID_LABEL}={owner_pid}", f"{HOST_LABEL}={socket.gethostname()}"]
    return [f"{r.kind} {r.name}" for r in _labelled(client, selector)]


def _quietly(action) -> None:
    try:
        action()
    except docker.errors.NotFound:
        pass
    except docker.errors.APIError as exc:
        if exc.status_code != 409:  # removal already in progress
            raise


def stale_images(client: docker.DockerClient) -> list:
    """shipshape images that an image of the same target built later supersedes."""
    newest: dict[str, object] = {}
    stale = []
    images = client.images.list(filters={"label": "shipshape.target"})
    for image in sorted(images, key=lambda i: i.attrs["Created"], reverse=True):
        target = image.labels.get("shipshape.target", "")
        if target in newest:
            stale.append(image)
        else:
            newest[target] = image
    return stale
