"""hardened: the server comes up and answers under the Kubernetes *restricted* profile.

The profile is the floor whatever a Deployment says: read-only root with a
tmpfs where the pod mounts an emptyDir (/tmp without a Deployment), every
capability dropped, no privilege escalation, the image's own non-root user,
Docker's default seccomp profile. A Deployment (`k8s_manifest`) adds its
user, emptyDir sizes and resource limits (no swap, as under the kubelet), so
limits too low for the server fail here rather than as OOMKilled pods; a
Deployment that asks for less than the profile fails, naming what it lacks.

Ready means `healthy` when the image has a HEALTHCHECK, else (and when the
HEALTHCHECK fails while the server answers, which is `healthy`'s failure)
an HTTP answer on the published port; the value says which.
"""

from dataclasses import dataclass
from pathlib import Path

import httpx

from shipshape.errors import PropertyFailed
from shipshape.k8s import describe, load_pod_facts, restricted_gaps, run_options
from shipshape.properties.base import Measured, Property
from shipshape.subject import Subject

# Once the server answers, how long its HEALTHCHECK gets to agree before the
# verdict is taken from HTTP instead (a HEALTHCHECK that fails everywhere
# is `healthy`'s failure, not this property's).
HEALTHCHECK_GRACE_S = 5.0


@dataclass(frozen=True)
class Params:
    # The Deployment users deploy; None: the restricted profile alone.
    k8s_manifest: Path | None = None
    within_s: float = 15.0


def _user_ids(subject: Subject) -> tuple[int, int]:
    user = subject.image_user()
    if user.is_root:
        raise PropertyFailed(
            "hardened: the image runs as root: the restricted profile (runAsNonRoot) "
            "refuses to start it"
        )
    if user.uid is None:
        raise PropertyFailed(f"hardened: USER {user.spec} is not in the image's /etc/passwd")
    return user.uid, user.gid if user.gid is not None else 0


def check(subject: Subject, params: Params) -> Measured:
    uid, gid = _user_ids(subject)
    facts = load_pod_facts(params.k8s_manifest) if params.k8s_manifest else None
    gaps = restricted_gaps(facts) if facts else []
    if gaps and params.k8s_manifest:
        raise PropertyFailed(
            f"hardened: {params.k8s_manifest.name} asks for less than the restricted profile: "
            + "; ".join(gaps)
        )
    options = run_options(facts, uid, gid)
    flags = describe(options)
    budget = subject.budget(params.within_s).seconds
    container = subject.start(options)
    has_healthcheck = subject.has_healthcheck()
    ready = container.wait_ready_under(
        subject.health_path, budget, healthcheck=has_healthcheck, grace_s=HEALTHCHECK_GRACE_S
    )
    if ready is None and container.oom_killed():
        raise PropertyFailed(
            f"hardened: OOM-killed under the Deployment's memory limit ({flags})\n"
            f"--- container log (tail) ---\n{container.logs_tail()}"
        )
    if ready is None:
        raise PropertyFailed(
            f"hardened: not ready within {subject.budget(params.within_s)} under {flags} "
            f"(status: {container.status()}/{container.health_status()})\n"
            f"--- container log (tail) ---\n{container.logs_tail()}"
        )
    url = container.url(subject.health_path)
    try:
        status = container.get(subject.health_path, timeout=5.0).status_code
    except httpx.HTTPError as exc:
        raise PropertyFailed(f"hardened: GET {url} failed under {flags}: {exc!r}") from None
    if status >= 500:
        raise PropertyFailed(f"hardened: GET {url} answered {status} under {flags}")
    how = {
        "healthy": "healthy",
        "http": "answers HTTP (no HEALTHCHECK)",
        "http-healthcheck-failing": "answers HTTP; its HEALTHCHECK had not passed "
        f"{HEALTHCHECK_GRACE_S:g}s later (see healthy)",
    }[ready.how]
    return Measured(f"{how} in {ready.seconds:.1f}s, restricted", {"seconds": ready.seconds})


PROPERTY = Property("hardened", "healthy under the Kubernetes restricted profile", Params, check)
