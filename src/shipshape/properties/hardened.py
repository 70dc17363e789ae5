"""hardened: healthy and answering under the Kubernetes *restricted* profile.

The `docker run` flags come from the Deployment users deploy
(dockerfiles/k8s/deployment.yaml): read-only root with a tmpfs per emptyDir
(its sizeLimit as the tmpfs size), all capabilities dropped, no privilege
escalation, the numeric user, and the container's memory and CPU limits (no
swap, as under the kubelet), so limits too low for the server fail here
rather than as OOMKilled pods.
"""

from dataclasses import dataclass
from pathlib import Path

import httpx

from shipshape.errors import PropertyFailed
from shipshape.k8s import describe, load_pod_facts, run_options
from shipshape.properties.base import Measured, Property, scaled
from shipshape.subject import Subject


@dataclass(frozen=True)
class Params:
    k8s_manifest: Path = Path("dockerfiles/k8s/deployment.yaml")
    within_s: float = 15.0


def check(subject: Subject, params: Params) -> Measured:
    options = run_options(load_pod_facts(params.k8s_manifest))
    flags = describe(options)
    container = subject.start(options)
    budget = params.within_s * subject.time_scale
    seconds = container.wait_healthy(budget)
    if seconds is None and container.oom_killed():
        raise PropertyFailed(
            f"hardened: OOM-killed under the Deployment's memory limit ({flags})\n"
            f"--- container log (tail) ---\n{container.logs_tail()}"
        )
    if seconds is None:
        raise PropertyFailed(
            f"hardened: not healthy within {scaled(subject, params.within_s)} under {flags} "
            f"(status: {container.status()}/{container.health_status()})\n"
            f"--- container log (tail) ---\n{container.logs_tail()}"
        )
    url = container.url(subject.health_path)
    try:
        status = httpx.get(url, timeout=5.0).status_code
    except httpx.HTTPError as exc:
        raise PropertyFailed(f"hardened: GET {url} failed under {flags}: {exc!r}") from None
    if status != 200:
        raise PropertyFailed(f"hardened: GET {url} answered {status} under {flags}")
    return Measured(f"healthy in {seconds:.1f}s, restricted", {"seconds": seconds})


PROPERTY = Property("hardened", "healthy under the Kubernetes restricted profile", Params, check)
