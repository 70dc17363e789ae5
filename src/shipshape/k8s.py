"""What a Kubernetes Deployment promises about its container, as data.

`hardened` turns the pod's securityContext into `docker run` flags (one
source of truth: the manifest users deploy, not a second hand-kept list);
`k8s-consistent` compares ports, probes and user with the image's
documented properties.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from shipshape.errors import ConfigError
from shipshape.run import RunOptions

TMPFS_OPTIONS = "rw,noexec,nosuid,size=64m"


@dataclass(frozen=True)
class Probe:
    path: str | None
    port: int | None


@dataclass(frozen=True)
class PodFacts:
    run_as_user: int | None
    run_as_group: int | None
    run_as_non_root: bool
    read_only_root: bool
    allow_privilege_escalation: bool
    drop_capabilities: tuple[str, ...]
    seccomp: str | None
    emptydir_mounts: tuple[str, ...]
    container_ports: tuple[int, ...]
    probes: dict[str, Probe] = field(default_factory=dict)  # liveness/readiness
    termination_grace_s: int = 30


def _container_security(pod: dict, container: dict, key: str) -> Any:
    """A securityContext field: the container's wins over the pod's."""
    own = (container.get("securityContext") or {}).get(key)
    return own if own is not None else (pod.get("securityContext") or {}).get(key)


def _probe(container: dict, name: str, ports: dict[str, int]) -> Probe:
    http = ((container.get(name) or {}).get("httpGet")) or {}
    port = http.get("port")
    return Probe(http.get("path"), ports.get(port, port) if isinstance(port, str) else port)


def load_pod_facts(path: Path) -> PodFacts:
    """The first container of the first Deployment in `path`."""
    try:
        documents = [d for d in yaml.safe_load_all(path.read_text(encoding="utf-8")) if d]
    except (OSError, yaml.YAMLError) as exc:
        raise ConfigError(f"{path}: cannot read the Kubernetes manifest: {exc}") from None
    deployment = next((d for d in documents if d.get("kind") == "Deployment"), None)
    if deployment is None:
        raise ConfigError(f"{path}: no Deployment in the Kubernetes manifest")
    pod = deployment["spec"]["template"]["spec"]
    container = pod["containers"][0]
    ports = {p.get("name"): p["containerPort"] for p in container.get("ports") or []}
    empty_dirs = {v["name"] for v in pod.get("volumes") or [] if "emptyDir" in v}
    seccomp = _container_security(pod, container, "seccompProfile") or {}
    return PodFacts(
        run_as_user=_container_security(pod, container, "runAsUser"),
        run_as_group=_container_security(pod, container, "runAsGroup"),
        run_as_non_root=bool(_container_security(pod, container, "runAsNonRoot")),
        read_only_root=bool(_container_security(pod, container, "readOnlyRootFilesystem")),
        allow_privilege_escalation=_container_security(pod, container, "allowPrivilegeEscalation")
        is not False,
        drop_capabilities=tuple(
            (_container_security(pod, container, "capabilities") or {}).get("drop") or ()
        ),
        seccomp=seccomp.get("type"),
        emptydir_mounts=tuple(
            m["mountPath"] for m in container.get("volumeMounts") or [] if m["name"] in empty_dirs
        ),
        container_ports=tuple(ports.values()),
        probes={
            name: _probe(container, name, ports) for name in ("livenessProbe", "readinessProbe")
        },
        termination_grace_s=int(pod.get("terminationGracePeriodSeconds", 30)),
    )


def run_options(facts: PodFacts) -> RunOptions:
    """The `docker run` equivalent of the pod's security settings."""
    user = None
    if facts.run_as_user is not None:
        user = f"{facts.run_as_user}:{facts.run_as_group if facts.run_as_group is not None else 0}"
    return RunOptions(
        read_only=facts.read_only_root,
        tmpfs={mount: TMPFS_OPTIONS for mount in facts.emptydir_mounts},
        cap_drop=facts.drop_capabilities,
        # RuntimeDefault seccomp is Docker's default profile: nothing to add.
        security_opt=() if facts.allow_privilege_escalation else ("no-new-privileges",),
        user=user,
    )


def describe(options: RunOptions) -> str:
    parts = ["--read-only"] if options.read_only else []
    parts += [f"--tmpfs {m}" for m in options.tmpfs]
    parts += [f"--cap-drop {c}" for c in options.cap_drop]
    parts += [f"--security-opt {o}" for o in options.security_opt]
    parts += [f"--user {options.user}"] if options.user else []
    return " ".join(parts)
