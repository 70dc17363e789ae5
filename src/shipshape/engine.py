"""The Docker engine: connecting, labelling, and sweeping what a run leaves.

Everything shipshape creates carries the label `shipshape` plus the run's id
and the pid and host of the process that owns the run. A run removes its own
resources at the end (failure and Ctrl-C included); a later run sweeps those
of runs whose owner process is gone, never those of a run still going.
"""

from __future__ import annotations

import hashlib
import json
import os
import socket
import uuid
from collections.abc import Callable, Iterator, Mapping, MutableMapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import docker
import docker.errors
import docker.tls
import requests

from shipshape.errors import ConfigError
from shipshape.waiting import poll

LABEL = "shipshape"
RUN_LABEL = "shipshape.run"
PID_LABEL = "shipshape.owner-pid"
HOST_LABEL = "shipshape.owner-host"

START_HINT = (
    "start one (e.g. `sudo dockerd &`, Docker Desktop, or on the shipshape build machines "
    "`bash ../shared/env/provision-docker.sh`), or point DOCKER_HOST or a docker context at one"
)


# The run whose verdicts a run that checks afresh may share: the outermost
# run that checks manifests, exported to its xdist workers and to every child
# run it starts (shipshape's own suite runs the mutants and the corpus so).
GATE_VARIABLE = "SHIPSHAPE_GATE"


@dataclass(frozen=True)
class RunIdentity:
    """Who owns the resources of this run; shared by all xdist workers of a run."""

    run_id: str
    owner_pid: int
    owner_host: str

    @classmethod
    def new(cls) -> RunIdentity:
        return cls(uuid.uuid4().hex[:10], os.getpid(), socket.gethostname())

    @property
    def gate(self) -> str:
        """The gate this run belongs to: the one it inherited, else its own run."""
        return os.environ.get(GATE_VARIABLE) or self.run_id

    def labels(self) -> dict[str, str]:
        return {
            LABEL: "1",
            RUN_LABEL: self.run_id,
            PID_LABEL: str(self.owner_pid),
            HOST_LABEL: self.owner_host,
        }


# ------------------------------------------------------------ which engine
#
# The engine is chosen the way the `docker` CLI chooses it (docker/cli
# cli/command/cli.go resolveContextName, checked against CLI 28.2):
#
#   1. --shipshape-context NAME          (the CLI's `--context`: beats DOCKER_HOST)
#   2. DOCKER_HOST                       (the "default" context, with that host)
#   3. DOCKER_CONTEXT
#   4. currentContext in $DOCKER_CONFIG/config.json (`docker context use`)
#   5. "default": DOCKER_HOST, else unix:///var/run/docker.sock
#
# DOCKER_HOST beats DOCKER_CONTEXT and `docker context use` silently: the CLI
# warns only in `docker context ls` and `docker context use`. The SDK's
# `docker.from_env()` knows none of this, hence `resolve_engine`.

DEFAULT_CONTEXT = "default"
DEFAULT_SOCKET = "unix:///var/run/docker.sock"
DEFAULT_TLS_HOST = "tcp://localhost:2376"  # the CLI's default once TLS is asked for
NO_TLS_SCHEMES = ("unix://", "npipe://", "fd://", "ssh://")  # sockets; ssh has its own


@dataclass(frozen=True)
class EngineTLS:
    """TLS material for a tcp:// engine: files that exist, and whether to verify."""

    verify: bool
    ca_cert: Path | None = None
    client_cert: tuple[Path, Path] | None = None

    def config(self) -> docker.tls.TLSConfig:
        return docker.tls.TLSConfig(
            client_cert=tuple(map(str, self.client_cert)) if self.client_cert else None,
            ca_cert=str(self.ca_cert) if self.ca_cert else None,
            verify=self.verify,
        )


@dataclass(frozen=True)
class EngineTarget:
    """The engine a run talks to, and how it was chosen (for error messages)."""

    name: str  # the docker context's name ("default" for DOCKER_HOST / the socket)
    host: str
    tls: EngineTLS | None
    source: str  # "--shipshape-context", "DOCKER_HOST", "DOCKER_CONTEXT", ...
    note: str = ""  # e.g. the context DOCKER_HOST overrides

    def describe(self) -> str:
        note = f"; {self.note}" if self.note else ""
        return f"context {self.name!r} from {self.source}{note}"


def docker_config_dir(environ: Mapping[str, str]) -> Path:
    """The CLI's config directory: $DOCKER_CONFIG, else ~/.docker."""
    return Path(environ.get("DOCKER_CONFIG") or Path.home() / ".docker")


def resolve_engine(
    option: str | None, environ: Mapping[str, str], config_dir: Path
) -> EngineTarget:
    """The engine the `docker` CLI would talk to, or one clear ConfigError."""
    config_file = config_dir / "config.json"
    note = ""
    if option:
        name, source = option, "--shipshape-context"
    elif environ.get("DOCKER_HOST", "").strip():
        name, source = DEFAULT_CONTEXT, "DOCKER_HOST"
        try:
            shadowed = environ.get("DOCKER_CONTEXT") or _current_context(config_file)
        except ConfigError:
            shadowed = ""
        if shadowed not in ("", DEFAULT_CONTEXT):
            note = f"it overrides context {shadowed!r}"
    elif environ.get("DOCKER_CONTEXT"):
        name, source = environ["DOCKER_CONTEXT"], "DOCKER_CONTEXT"
    elif current := _current_context(config_file):
        name, source = current, f"current context in {_tilde(config_file)}"
    else:
        name, source = DEFAULT_CONTEXT, "default"
    if name == DEFAULT_CONTEXT:
        host, tls = _default_endpoint(environ, config_dir)
    else:
        host, tls = _context_endpoint(name, source, config_dir)
    return EngineTarget(name, host, tls, source, note)


def _current_context(config_file: Path) -> str:
    try:
        config = json.loads(config_file.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return ""
    except (OSError, ValueError) as exc:
        # The CLI warns and goes on with "default"; a run against another
        # engine than the one meant is worse than stopping here.
        raise ConfigError(f"cannot read the docker CLI config {config_file}: {exc}") from None
    return str(config.get("currentContext") or "") if isinstance(config, dict) else ""


def _default_endpoint(environ: Mapping[str, str], config_dir: Path) -> tuple[str, EngineTLS | None]:
    """The "default" context: DOCKER_HOST and DOCKER_TLS_VERIFY/DOCKER_TLS/DOCKER_CERT_PATH."""
    verify = environ.get("DOCKER_TLS_VERIFY", "") != ""
    use_tls = verify or environ.get("DOCKER_TLS", "") != ""
    host = environ.get("DOCKER_HOST", "").strip() or (
        DEFAULT_TLS_HOST if use_tls else DEFAULT_SOCKET
    )
    if not use_tls or host.startswith(NO_TLS_SCHEMES):
        return host, None
    cert_dir = Path(environ.get("DOCKER_CERT_PATH") or config_dir)
    if not (cert_dir / "ca.pem").is_file():  # the CLI fails the same way
        raise ConfigError(
            f"DOCKER_TLS_VERIFY/DOCKER_TLS is set but {cert_dir / 'ca.pem'} does not exist"
        )
    return host, _tls_from(cert_dir, verify)


def _context_endpoint(name: str, source: str, config_dir: Path) -> tuple[str, EngineTLS | None]:
    """A stored context: contexts/meta/<sha256(name)>/meta.json, TLS files beside it."""
    digest = hashlib.sha256(name.encode()).hexdigest()
    meta_file = config_dir / "contexts" / "meta" / digest / "meta.json"
    try:
        meta = json.loads(meta_file.read_text(encoding="utf-8"))
    except FileNotFoundError:
        known = ", ".join([DEFAULT_CONTEXT, *sorted(_stored_contexts(config_dir))])
        raise ConfigError(
            f"docker context {name!r} (from {source}) does not exist; contexts: {known}"
        ) from None
    except (OSError, ValueError) as exc:
        raise ConfigError(f"docker context {name!r}: cannot read {meta_file}: {exc}") from None
    endpoint = (meta.get("Endpoints") or {}).get("docker") or {}
    host = str(endpoint.get("Host") or "")
    if not host:
        raise ConfigError(f"docker context {name!r} (from {source}) has no docker endpoint")
    skip_verify = bool(endpoint.get("SkipTLSVerify"))
    tls_dir = config_dir / "contexts" / "tls" / digest / "docker"
    has_files = any((tls_dir / f).is_file() for f in ("ca.pem", "cert.pem", "key.pem"))
    # As the CLI: TLS when its files exist or SkipTLSVerify is set; never for sockets or ssh.
    if host.startswith(NO_TLS_SCHEMES) or not (has_files or skip_verify):
        return host, None
    return host, _tls_from(tls_dir, verify=not skip_verify)


def _tls_from(directory: Path, verify: bool) -> EngineTLS:
    ca, cert, key = (directory / f for f in ("ca.pem", "cert.pem", "key.pem"))
    return EngineTLS(
        verify=verify,
        ca_cert=ca if ca.is_file() else None,
        client_cert=(cert, key) if cert.is_file() and key.is_file() else None,
    )


def _stored_contexts(config_dir: Path) -> list[str]:
    names = []
    for meta_file in (config_dir / "contexts" / "meta").glob("*/meta.json"):
        try:
            names.append(str(json.loads(meta_file.read_text(encoding="utf-8"))["Name"]))
        except (OSError, ValueError, KeyError, TypeError):
            continue
    return names


def _tilde(path: Path) -> str:
    try:
        return f"~/{path.relative_to(Path.home())}"
    except ValueError:
        return str(path)


def export_for_children(
    target: EngineTarget, environ: MutableMapping[str, str]
) -> Callable[[], None]:
    """Make every `docker` subprocess (buildx, compose) and xdist worker use `target`.

    DOCKER_CONTEXT=<name> rather than DOCKER_HOST=<host>: with a named context
    buildx also selects that context's builder (what `docker buildx use` chose
    under it), the TLS and ssh settings stay the context's own, and a
    DOCKER_HOST beside a configured context makes `docker context ls/use` warn
    that it overrides the context. Pinning the name also keeps a
    `docker context use` run by someone else mid-run from moving the builds.
    DOCKER_HOST beats DOCKER_CONTEXT in the CLI, so it goes when the target is a
    named context (then only --shipshape-context can have chosen it); for
    "default" DOCKER_HOST is the context's very host and stays. After this,
    `resolve_engine(None, environ, ...)` (so `connect()`) gives the same engine
    in this process and its children. Returns a function restoring what was
    there before.
    """
    saved = {key: environ.get(key) for key in ("DOCKER_CONTEXT", "DOCKER_HOST")}
    environ["DOCKER_CONTEXT"] = target.name
    if target.name != DEFAULT_CONTEXT:
        environ.pop("DOCKER_HOST", None)

    def restore() -> None:
        for key, value in saved.items():
            if value is None:
                environ.pop(key, None)
            else:
                environ[key] = value

    return restore


def connect(target: EngineTarget | None = None) -> docker.DockerClient:
    """A client for `target` (default: as the CLI resolves it), or one clear ConfigError."""
    if target is None:
        target = resolve_engine(None, os.environ, docker_config_dir(os.environ))
    try:
        client = docker.DockerClient(
            base_url=target.host,
            tls=target.tls.config() if target.tls else False,
            timeout=120,
            use_ssh_client=target.host.startswith("ssh://"),
        )
        client.ping()
    except (docker.errors.DockerException, requests.exceptions.RequestException) as exc:
        reason = str(exc).splitlines()[0][:160]
        raise ConfigError(
            f"no Docker engine reachable at {target.host} ({target.describe()}; {reason}): "
            f"{START_HINT}"
        ) from None
    return client


def uses_containerd_store(info: dict) -> bool:
    """Whether the engine (its `docker info`) keeps images in the containerd image store."""
    return any("snapshotter" in str(value) for _, value in info.get("DriverStatus") or [])


def facts(client: docker.DockerClient, builder: str | None) -> str:
    """One line on where the run's engine is and how it stores images, for the report header."""
    info = client.info()
    driver = info.get("Driver", "?")
    store = "containerd image store" if uses_containerd_store(info) else "classic image store"
    where = "this machine" if is_local(client.api.base_url) else "a remote host"
    return (
        f"engine: Docker {info.get('ServerVersion', '?')} at {client.api.base_url} ({where}), "
        f"{store} ({driver}), builder: {builder or 'buildx default'}"
    )


def is_local(base_url: str) -> bool:
    """Whether the engine's loopback is this machine's (a unix socket, or tcp to loopback)."""
    parsed = urlparse(base_url)
    if parsed.scheme in ("unix", "npipe", "http+unix", "http+docker"):
        return True
    return (parsed.hostname or "") in ("", "localhost", "127.0.0.1", "::1")


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
    # sparse: no inspect per container, so one that another run removes
    # between the listing and its inspect is no error (seen in CI: a 404).
    for container in client.containers.list(all=True, sparse=True, filters={"label": selector}):
        name = (container.attrs.get("Names") or [container.id])[0].lstrip("/")
        yield Resource("container", name, container.attrs.get("Labels") or {}, container)
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

    def all_gone() -> bool | None:
        remove_labelled(client, run_id=run_id)
        return True if not any(_labelled(client, _run_selector(run_id))) else None

    poll(all_gone, settle_s, every_s=0.5)


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
