"""What a Kubernetes Deployment promises about its container, as data.

`hardened` turns the pod's securityContext, resource limits and emptyDir
volumes into `docker run` flags (one source of truth: the manifest users
deploy, not a second hand-kept list);
`k8s-consistent` compares ports, probes and user with the image's
documented properties; `k8s-drain-safe` reads what decides whether a drain,
a rollout or a node's loss drops requests: replicas, the
PodDisruptionBudget, the spread across nodes, the preStop delay and the
grace period.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from shipshape.errors import ConfigError
from shipshape.run import RunOptions

TMPFS_OPTIONS = "rw,noexec,nosuid"
PROBES = ("startupProbe", "livenessProbe", "readinessProbe")
NODE_KEY = "kubernetes.io/hostname"
# What the kubelet waits for when a pod does not say (PodSpec's default).
DEFAULT_GRACE_S = 30

# Kubernetes quantity suffixes (apimachinery's resource.Quantity).
QUANTITY_SUFFIXES = {
    "Ki": 2**10, "Mi": 2**20, "Gi": 2**30, "Ti": 2**40, "Pi": 2**50, "Ei": 2**60,
    "m": 1e-3, "k": 1e3, "M": 1e6, "G": 1e9, "T": 1e12, "P": 1e15, "E": 1e18,
}  # fmt: skip


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
    # mount path -> the emptyDir's sizeLimit in bytes (None: unlimited)
    emptydir_mounts: dict[str, int | None]
    container_ports: tuple[int, ...]
    probes: dict[str, Probe] = field(default_factory=dict)  # startup/liveness/readiness
    termination_grace_s: int = DEFAULT_GRACE_S
    memory_limit_bytes: int | None = None
    cpu_limit: float | None = None


def parse_quantity(value: object, where: str) -> float:
    """A Kubernetes quantity ("256Mi", "500m", "1", 0.5) as a plain number."""
    text = str(value).strip()
    suffix = next((s for s in sorted(QUANTITY_SUFFIXES, key=len, reverse=True)
                   if text.endswith(s)), "")  # fmt: skip
    try:
        number = float(text[: len(text) - len(suffix)])
    except ValueError:
        raise ConfigError(f"{where}: {value!r} is not a Kubernetes quantity") from None
    return number * QUANTITY_SUFFIXES.get(suffix, 1)


def _optional_quantity(value: object, where: str) -> float | None:
    return None if value is None else parse_quantity(value, where)


def _bytes(value: object, where: str) -> int | None:
    quantity = _optional_quantity(value, where)
    return None if quantity is None else int(quantity)


def _container_security(pod: dict, container: dict, key: str) -> Any:
    """A securityContext field: the container's wins over the pod's."""
    own = (container.get("securityContext") or {}).get(key)
    return own if own is not None else (pod.get("securityContext") or {}).get(key)


def _probe(container: dict, name: str, ports: dict[str, int]) -> Probe:
    http = ((container.get(name) or {}).get("httpGet")) or {}
    port = http.get("port")
    return Probe(http.get("path"), ports.get(port, port) if isinstance(port, str) else port)


def load_documents(path: Path) -> list[dict]:
    """Every object of a (multi-document) Kubernetes manifest."""
    try:
        documents = list(yaml.safe_load_all(path.read_text(encoding="utf-8")))
    except (OSError, yaml.YAMLError) as exc:
        raise ConfigError(f"{path}: cannot read the Kubernetes manifest: {exc}") from None
    return [d for d in documents if isinstance(d, dict)]


def _deployment(path: Path, documents: list[dict]) -> dict:
    deployment = next((d for d in documents if d.get("kind") == "Deployment"), None)
    if deployment is None:
        raise ConfigError(f"{path}: no Deployment in the Kubernetes manifest")
    return deployment


def load_pod_facts(path: Path) -> PodFacts:
    """The first container of the first Deployment in `path`."""
    deployment = _deployment(path, load_documents(path))
    pod = deployment["spec"]["template"]["spec"]
    container = pod["containers"][0]
    ports = {p.get("name"): p["containerPort"] for p in container.get("ports") or []}
    empty_dirs = {
        v["name"]: (v["emptyDir"] or {}).get("sizeLimit")
        for v in pod.get("volumes") or []
        if "emptyDir" in v
    }
    limits = (container.get("resources") or {}).get("limits") or {}
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
        emptydir_mounts={
            m["mountPath"]: _bytes(empty_dirs[m["name"]], f"{path}: emptyDir {m['name']} sizeLimit")
            for m in container.get("volumeMounts") or []
            if m["name"] in empty_dirs
        },
        container_ports=tuple(ports.values()),
        probes={name: _probe(container, name, ports) for name in PROBES if container.get(name)},
        termination_grace_s=int(pod.get("terminationGracePeriodSeconds", DEFAULT_GRACE_S)),
        memory_limit_bytes=_bytes(limits.get("memory"), f"{path}: limits.memory"),
        cpu_limit=_optional_quantity(limits.get("cpu"), f"{path}: limits.cpu"),
    )


# ------------------------------------------------------------------ drains


@dataclass(frozen=True)
class Budget:
    """A PodDisruptionBudget: its selector and how many pods it lets go at once."""

    name: str
    namespace: str
    selector: dict
    min_available: int | str | None
    max_unavailable: int | str | None

    def allowed_disruptions(self, replicas: int) -> int:
        """Pods a drain may evict at once out of `replicas` healthy ones (as the
        disruption controller counts: a percentage rounds up)."""
        if self.max_unavailable is not None:
            return min(replicas, _scaled(self.max_unavailable, replicas))
        if self.min_available is not None:
            return max(0, replicas - _scaled(self.min_available, replicas))
        return 0  # neither set: the API server rejects it; nothing is evictable

    def describe(self) -> str:
        if self.max_unavailable is not None:
            return f"maxUnavailable {self.max_unavailable}"
        return f"minAvailable {self.min_available}"


@dataclass(frozen=True)
class Spread:
    """A rule that keeps the pods apart: topology spread or pod anti-affinity."""

    kind: str  # topologySpreadConstraints | podAntiAffinity
    topology_key: str
    hard: bool  # DoNotSchedule / required...; else best effort
    max_skew: int | None  # topology spread only
    selector: dict

    def describe(self) -> str:
        how = "required" if self.hard else "best effort"
        skew = f", maxSkew {self.max_skew}" if self.max_skew is not None else ""
        return f"{self.kind} on {self.topology_key} ({how}{skew})"


@dataclass(frozen=True)
class DrainFacts:
    namespace: str
    replicas: int
    pod_labels: dict[str, str]
    budgets: tuple[Budget, ...]
    spreads: tuple[Spread, ...]
    # The preStop hook: its sleep in seconds; None when there is none;
    # `pre_stop_kind` names a hook whose delay cannot be read (exec, httpGet).
    pre_stop_sleep_s: float | None
    pre_stop_kind: str | None
    termination_grace_s: int


def _scaled(value: int | str, total: int) -> int:
    """An IntOrString count: "50%" of `total`, rounded up; an int as it is."""
    if isinstance(value, str) and value.endswith("%"):
        return math.ceil(total * float(value[:-1]) / 100)
    return int(value)


def selects(selector: Mapping, labels: Mapping[str, str]) -> bool:
    """Whether a label selector (matchLabels + matchExpressions) selects `labels`.

    An empty selector selects every pod (a PDB's or spread's `{}`).
    """
    for key, value in (selector.get("matchLabels") or {}).items():
        if labels.get(key) != str(value):
            return False
    for expression in selector.get("matchExpressions") or []:
        key, operator = expression.get("key"), expression.get("operator")
        values = {str(v) for v in expression.get("values") or []}
        present = key in labels
        ok = {
            "In": present and labels.get(key) in values,
            "NotIn": not present or labels.get(key) not in values,
            "Exists": present,
            "DoesNotExist": not present,
        }.get(operator, False)
        if not ok:
            return False
    return True


def _spreads(pod: dict) -> list[Spread]:
    found = [
        Spread(
            "topologySpreadConstraints",
            c.get("topologyKey", ""),
            c.get("whenUnsatisfiable", "DoNotSchedule") == "DoNotSchedule",
            int(c.get("maxSkew", 1)),
            c.get("labelSelector") or {},
        )
        for c in pod.get("topologySpreadConstraints") or []
    ]
    anti = (pod.get("affinity") or {}).get("podAntiAffinity") or {}
    for term in anti.get("requiredDuringSchedulingIgnoredDuringExecution") or []:
        found.append(
            Spread("podAntiAffinity", term.get("topologyKey", ""), True, None,
                   term.get("labelSelector") or {})
        )  # fmt: skip
    for weighted in anti.get("preferredDuringSchedulingIgnoredDuringExecution") or []:
        term = weighted.get("podAffinityTerm") or {}
        found.append(
            Spread("podAntiAffinity", term.get("topologyKey", ""), False, None,
                   term.get("labelSelector") or {})
        )  # fmt: skip
    return found


def _pre_stop(container: dict) -> tuple[float | None, str | None]:
    hook = ((container.get("lifecycle") or {}).get("preStop")) or {}
    if not hook:
        return None, None
    if "sleep" in hook:
        return float((hook["sleep"] or {}).get("seconds", 0)), "sleep"
    return None, next(iter(hook))


def load_drain_facts(path: Path) -> DrainFacts:
    """What the first Deployment in `path`, and the PodDisruptionBudgets beside it, promise
    about drains, rollouts and node loss."""
    documents = load_documents(path)
    deployment = _deployment(path, documents)
    namespace = (deployment.get("metadata") or {}).get("namespace") or "default"
    spec = deployment["spec"]
    template = spec["template"]
    pod = template["spec"]
    sleep_s, kind = _pre_stop(pod["containers"][0])
    budgets = tuple(
        Budget(
            (d.get("metadata") or {}).get("name", "?"),
            (d.get("metadata") or {}).get("namespace") or "default",
            (d.get("spec") or {}).get("selector") or {},
            (d.get("spec") or {}).get("minAvailable"),
            (d.get("spec") or {}).get("maxUnavailable"),
        )
        for d in documents
        if d.get("kind") == "PodDisruptionBudget"
    )
    labels = (template.get("metadata") or {}).get("labels") or {}
    return DrainFacts(
        namespace=namespace,
        replicas=int(spec.get("replicas", 1)),
        pod_labels={str(k): str(v) for k, v in labels.items()},
        budgets=budgets,
        spreads=tuple(_spreads(pod)),
        pre_stop_sleep_s=sleep_s,
        pre_stop_kind=kind,
        termination_grace_s=int(pod.get("terminationGracePeriodSeconds", DEFAULT_GRACE_S)),
    )


# --------------------------------------------------------- restricted run


def _tmpfs_options(size_bytes: int | None) -> str:
    return TMPFS_OPTIONS if size_bytes is None else f"{TMPFS_OPTIONS},size={size_bytes}"


def restricted_gaps(facts: PodFacts) -> list[str]:
    """Where the pod's settings fall short of the Pod Security Standard *restricted*."""
    gaps = []
    if not facts.read_only_root:
        gaps.append("readOnlyRootFilesystem is not true")
    if "ALL" not in facts.drop_capabilities:
        gaps.append("capabilities.drop does not list ALL")
    if facts.allow_privilege_escalation:
        gaps.append("allowPrivilegeEscalation is not false")
    if facts.seccomp not in ("RuntimeDefault", "Localhost"):
        gaps.append(f"seccompProfile.type is {facts.seccomp or 'unset'}, not RuntimeDefault")
    if not facts.run_as_non_root:
        gaps.append("runAsNonRoot is not true")
    return gaps


def run_options(facts: PodFacts | None, uid: int, gid: int) -> RunOptions:
    """The `docker run` equivalent of the restricted profile, with the pod's own settings.

    The profile is the floor whatever the Deployment says (`restricted_gaps`
    reports a Deployment that asks for less): read-only root, every
    capability dropped, no privilege escalation, a non-root user, and
    Docker's default seccomp profile (what RuntimeDefault means on Docker).
    The Deployment adds its user, its emptyDir mounts (as tmpfs of their
    sizeLimit) and its resource limits; without one, /tmp is the writable tmpfs.
    """
    if facts is not None and facts.run_as_user is not None:
        uid = facts.run_as_user
        gid = facts.run_as_group if facts.run_as_group is not None else gid
    mounts = facts.emptydir_mounts if facts is not None else {"/tmp": None}
    return RunOptions(
        read_only=True,
        tmpfs={mount: _tmpfs_options(size) for mount, size in mounts.items()},
        cap_drop=("ALL",),
        security_opt=("no-new-privileges",),
        user=f"{uid}:{gid}",
        memory_limit_bytes=facts.memory_limit_bytes if facts else None,
        cpu_limit=facts.cpu_limit if facts else None,
    )


def describe(options: RunOptions) -> str:
    parts = ["--read-only"] if options.read_only else []
    parts += [f"--tmpfs {m}" for m in options.tmpfs]
    parts += [f"--cap-drop {c}" for c in options.cap_drop]
    parts += [f"--security-opt {o}" for o in options.security_opt]
    parts += [f"--user {options.user}"] if options.user else []
    if options.memory_limit_bytes is not None:
        parts.append(f"--memory {_mib(options.memory_limit_bytes)} (no swap)")
    parts += [f"--cpus {options.cpu_limit:g}"] if options.cpu_limit is not None else []
    return " ".join(parts)


def _mib(size_bytes: int) -> str:
    return f"{size_bytes / 2**20:g}Mi"
