"""k8s-outage-safe: while a backend is down, the Deployment's liveness probe
still passes and its readiness probe fails.

Liveness asks "is this process alive" (a failure restarts the pod),
readiness "can it serve" (a failure takes it out of the Service). A
liveness path that reports the backends turns one database outage into a
restart of every pod at once. Checked against the app itself: the probe
paths are read from the Deployment, the app runs in the Compose stack with
one backend stopped (as compose-degraded does), and the liveness path must
answer 200 throughout a hold while the readiness path answers 503.
"""

from dataclasses import dataclass
from pathlib import Path

import httpx

from shipshape.composefile import ComposeParams
from shipshape.errors import PropertyFailed
from shipshape.k8s import load_pod_facts
from shipshape.properties.base import Measured, Property
from shipshape.subject import ComposeStack, Subject

# Kubernetes' default probe timeoutSeconds: an answer slower than this is a failure.
PROBE_TIMEOUT_S = 1.0


@dataclass(frozen=True)
class Params(ComposeParams):
    k8s_manifest: Path = Path("dockerfiles/k8s/deployment.yaml")
    backend: str = "cache"
    # How long readiness may take to notice the outage.
    react_within_s: float = 15.0
    # How long liveness must keep passing with the backend down.
    hold_s: float = 5.0


def probe_paths(params: Params) -> tuple[str, str]:
    """(liveness, readiness) HTTP paths of the Deployment's container."""
    probes = load_pod_facts(params.k8s_manifest).probes
    names = ("livenessProbe", "readinessProbe")
    paths = {name: probes[name].path if name in probes else None for name in names}
    missing = [name for name, path in paths.items() if not path]
    if missing:
        raise PropertyFailed(
            f"k8s-outage-safe: {params.k8s_manifest.name} has no httpGet {' or '.join(missing)}"
        )
    return paths[names[0]], paths[names[1]]


def status(stack: ComposeStack, params: Params, path: str) -> int | str:
    """The probe's answer, as the kubelet sees it: a status, or why there is none."""
    try:
        url = stack.url(params.app_service, params.app_port, path)
        return httpx.get(url, timeout=PROBE_TIMEOUT_S).status_code
    except httpx.HTTPError as exc:
        return f"no answer within {PROBE_TIMEOUT_S:g}s ({type(exc).__name__})"


def check(subject: Subject, params: Params) -> Measured:
    liveness, readiness = probe_paths(params)
    with subject.stack(params) as stack:
        stack.up(subject.budget(params.within_s).seconds)
        stack.compose("stop", params.backend)
        react = subject.budget(params.react_within_s)
        seconds = stack.wait_until(lambda: status(stack, params, readiness) == 503, react.seconds)
        if seconds is None:
            raise PropertyFailed(
                f"k8s-outage-safe: with {params.backend} stopped, the readiness probe "
                f"{readiness} did not turn 503 within {react} (answers "
                f"{status(stack, params, readiness)}): the Service keeps routing to a pod "
                f"that cannot serve\n{stack.logs_tail()}"
            )
        answers = []

        def liveness_failed() -> bool | None:
            answer = status(stack, params, liveness)
            answers.append(answer)
            return True if answer != 200 else None

        # The hold ends early at the first failure: one is enough to say so.
        if stack.wait_until(liveness_failed, subject.budget(params.hold_s).seconds) is not None:
            raise PropertyFailed(
                f"k8s-outage-safe: with {params.backend} down, the liveness probe {liveness} "
                f"answered {answers[-1]}: the kubelet would restart every pod for a backend "
                f"outage (liveness must not ask the backends; readiness {readiness} does)"
            )
    return Measured(
        f"{params.backend} down: {readiness} 503 in {seconds:.1f}s, {liveness} 200 "
        f"({len(answers)} probes over {subject.budget(params.hold_s)})",
        {"readiness_s": seconds},
    )


PROPERTY = Property(
    "k8s-outage-safe",
    "a backend outage fails readiness, never liveness",
    Params,
    check,
    own_stack=True,
    cost=11,
)
