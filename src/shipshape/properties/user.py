"""user: runs as a numeric non-root user (the manifest's UID/GID when it names one).

The universal promise: a USER is set, it is numeric (Kubernetes
`runAsNonRoot` can only verify a number), it is not 0, and the live server
process really runs with it. A manifest may also pin the exact UID/GID
(shipshape's own templates: 10001).
"""

from dataclasses import dataclass

from shipshape.errors import PropertyFailed
from shipshape.properties.base import Property
from shipshape.subject import Subject


@dataclass(frozen=True)
class Params:
    uid: int | None = None
    gid: int | None = None


def _ids(status: str, field: str) -> set[int]:
    """The real, effective, saved and filesystem ids of a /proc/<pid>/status line."""
    for line in status.splitlines():
        if line.startswith(f"{field}:"):
            return {int(v) for v in line.split()[1:]}
    raise PropertyFailed(f"user: no {field} line in /proc/1/status")


def static_problem(configured: str, params: Params) -> str | None:
    """What is wrong with the image's USER value as written (None: nothing)."""
    wanted = f"{params.uid}:{params.gid}" if params.uid is not None else "a numeric non-root user"
    if not configured:
        return f"the image sets no USER, so it runs as root; expected USER {wanted}"
    uid, _, gid = configured.partition(":")
    if not uid.isdigit() or (gid and not gid.isdigit()):
        return (
            f"USER {configured!r} is not numeric; Kubernetes runAsNonRoot can only verify a "
            f"number (expected USER {wanted})"
        )
    if int(uid) == 0:
        return f"USER {configured} is root; expected {wanted}"
    if params.uid is not None and (
        int(uid) != params.uid or (gid and params.gid is not None and int(gid) != params.gid)
    ):
        return f"USER is {configured}, expected {wanted}"
    return None


def check(subject: Subject, params: Params) -> str:
    configured = subject.image_config().get("User") or ""
    problem = static_problem(configured, params)
    if problem:
        raise PropertyFailed(f"user: {problem}")
    user = subject.image_user()
    expected_uid = params.uid if params.uid is not None else user.uid
    expected_gid = params.gid if params.gid is not None else user.gid
    container = subject.shared()
    status = container.read_file("/proc/1/status")
    live_uids, live_gids = _ids(status, "Uid"), _ids(status, "Gid")
    if live_uids != {expected_uid} or live_gids != {expected_gid}:
        raise PropertyFailed(
            f"user: PID 1 runs with uids {sorted(live_uids)} gids {sorted(live_gids)}, "
            f"expected {expected_uid}:{expected_gid}\n"
            f"--- container log (tail) ---\n{container.logs_tail()}"
        )
    return f"{expected_uid}:{expected_gid}"


PROPERTY = Property("user", "runs as a numeric non-root UID/GID", Params, check)
