"""k8s-consistent: the Deployment's port, probes, user and grace period match
the image's documented properties (listen, user, sigterm), and every probe
asks a path the image really answers.

The image is started as it is (no Deployment settings: that is `hardened`)
and each probe's path is asked once the server answers on its port:
startup and liveness must answer 200 (they must never depend on a backend:
a failing liveness probe restarts the pod), readiness must answer one of
`readiness_status` (200; an app that needs backends it does not have here,
the stack's, may answer 503, meaning "not ready", but never 404).
A server that never answers on its port is `listen`'s and `healthy`'s
failure: this property is then not checked, and says so.
"""

from dataclasses import dataclass
from pathlib import Path

import httpx

from shipshape.errors import NotChecked, PropertyFailed
from shipshape.k8s import PodFacts, load_pod_facts
from shipshape.properties.base import Property
from shipshape.subject import Subject
from shipshape.waiting import poll

# Probes that must answer 200 whatever the backends do.
ALWAYS_200 = ("startupProbe", "livenessProbe")


@dataclass(frozen=True)
class Params:
    k8s_manifest: Path = Path("dockerfiles/k8s/deployment.yaml")
    # What the readiness probe's path may answer on the image alone.
    readiness_status: tuple[int, ...] = (200,)
    # How long the server gets to answer on its port at all.
    within_s: float = 15.0


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
    for name in ("livenessProbe", "readinessProbe"):
        if name not in facts.probes:
            found.append(f"no {name}")
    for name, probe in facts.probes.items():
        if probe.port != expected.port:
            found.append(
                f"{name} GET {probe.path} on port {probe.port}, the image listens on "
                f"{expected.port}"
            )
        if probe.path is None:
            found.append(f"{name} is not an httpGet probe: its path cannot be checked")
    readiness = facts.probes.get("readinessProbe")
    if readiness and readiness.path is not None and readiness.path != expected.path:
        found.append(
            f"readinessProbe GET {readiness.path}, the image's health is {expected.path} "
            "(its HEALTHCHECK and `listen`)"
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


def answer_drift(
    facts: PodFacts, answers: dict[str, int | str], readiness_status: tuple[int, ...]
) -> list[str]:
    """Probes whose path the running image answers wrongly.

    `answers` maps a probe's path to the status it answered, or to the
    error text when the request failed.
    """
    found = []
    for name, probe in facts.probes.items():
        if probe.path is None:
            continue
        allowed = (200,) if name in ALWAYS_200 else readiness_status
        answer = answers[probe.path]
        if answer not in allowed:
            shown = " or ".join(str(s) for s in allowed)
            found.append(f"{name} GET {probe.path} answered {answer} on the image, not {shown}")
    return found


def _ask(subject: Subject, facts: PodFacts, params: Params) -> dict[str, int | str]:
    """Each probe path's answer from the image's running server (the shared container:
    a GET of a probe path only observes it)."""
    paths = sorted({p.path for p in facts.probes.values() if p.path is not None})
    if not paths:
        return {}
    container = subject.shared()
    budget = subject.budget(params.within_s)

    # Up means answering on the port at all (any status below 500, on any
    # probe path): then each path's own answer is the verdict.
    def answering() -> bool | None:
        if any(container.answers(path) for path in paths):
            return True
        return False if container.exited() else None

    if not poll(answering, budget.seconds):
        raise NotChecked(
            f"the server never answered on port {subject.port} within {budget} "
            f"(container {container.status()}; "
            f"listen and healthy judge that), so the probes' paths {paths} cannot be asked"
        )
    answers: dict[str, int | str] = {}
    for path in paths:
        try:
            answers[path] = container.get(path, timeout=5.0).status_code
        except httpx.HTTPError as exc:
            answers[path] = f"nothing ({exc!r})"
    return answers


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
    facts = load_pod_facts(params.k8s_manifest)
    found = drift(facts, expected)
    if not found:
        found = answer_drift(facts, _ask(subject, facts, params), params.readiness_status)
    if found:
        raise PropertyFailed(
            f"k8s-consistent: {params.k8s_manifest.name} drifts from the image:\n  "
            + "\n  ".join(found)
        )
    probes = ", ".join(f"{n.removesuffix('Probe')} {p.path}" for n, p in facts.probes.items())
    return f"port {expected.port}, {probes} answer, uid {expected.uid}"


PROPERTY = Property(
    "k8s-consistent",
    "the Deployment's port, probes and user match the image; its probe paths answer",
    Params,
    check,
)
