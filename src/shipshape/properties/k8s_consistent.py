"""k8s-consistent: the Deployment's port, probes, user and grace period match
the image's documented properties (listen, user, sigterm)."""

from dataclasses import dataclass
from pathlib import Path

from shipshape.errors import PropertyFailed
from shipshape.k8s import PodFacts, load_pod_facts
from shipshape.properties.base import Property
from shipshape.subject import Subject


@dataclass(frozen=True)
class Params:
    k8s_manifest: Path = Path("dockerfiles/k8s/deployment.yaml")


@dataclass(frozen=True)
class Expected:
    port: int
    path: str
    uid: int | None
    gid: int | None
    stop_budget_s: float
    exposed_ports: tuple[int, ...]


def drift(facts: PodFacts, expected: Expected) -> list[str]:
    """Every way the Deployment disagrees with the image's documented properties."""
    found = []
    if expected.port not in facts.container_ports:
        found.append(
            f"containerPort {list(facts.container_ports)}, the image listens on {expected.port}"
        )
    for name, probe in facts.probes.items():
        if probe.path != expected.path or probe.port != expected.port:
            found.append(
                f"{name} GET {probe.path} on {probe.port}, the image's health is "
                f"{expected.path} on {expected.port}"
            )
    if (facts.run_as_user, facts.run_as_group) != (expected.uid, expected.gid):
        found.append(
            f"runAsUser/runAsGroup {facts.run_as_user}/{facts.run_as_group}, "
            f"the image runs as {expected.uid}/{expected.gid}"
        )
    if not facts.run_as_non_root:
        found.append("runAsNonRoot is not true")
    if facts.termination_grace_s < expected.stop_budget_s:
        found.append(
            f"terminationGracePeriodSeconds {facts.termination_grace_s} is below the "
            f"{expected.stop_budget_s:g}s stop budget"
        )
    if expected.port not in expected.exposed_ports:
        found.append(f"the image EXPOSEs {list(expected.exposed_ports)}, not {expected.port}")
    return found


def check(subject: Subject, params: Params) -> str:
    sigterm = subject.params("sigterm")
    user = subject.image_user()
    exposed = subject.image_config().get("ExposedPorts") or {}
    expected = Expected(
        port=subject.port,
        path=subject.health_path,
        uid=user.uid,
        gid=user.gid,
        stop_budget_s=sigterm.within_s if sigterm else 5.0,
        exposed_ports=tuple(int(p.split("/")[0]) for p in exposed),
    )
    found = drift(load_pod_facts(params.k8s_manifest), expected)
    if found:
        raise PropertyFailed(
            f"k8s-consistent: {params.k8s_manifest.name} drifts from the image:\n  "
            + "\n  ".join(found)
        )
    return f"port {expected.port}, probes {expected.path}, uid {expected.uid}"


PROPERTY = Property(
    "k8s-consistent", "the Deployment's port, probes and user match the image", Params, check
)
