"""user: runs as the documented numeric UID/GID, never root."""

from dataclasses import dataclass

from shipshape.errors import PropertyFailed
from shipshape.properties.base import Property
from shipshape.subject import Subject


@dataclass(frozen=True)
class Params:
    uid: int = 10001
    gid: int = 10001


def _ids(status: str, field: str) -> set[int]:
    """The real, effective, saved and filesystem ids of a /proc/<pid>/status line."""
    for line in status.splitlines():
        if line.startswith(f"{field}:"):
            return {int(v) for v in line.split()[1:]}
    raise PropertyFailed(f"user: no {field} line in /proc/1/status")


def check(subject: Subject, params: Params) -> str:
    expected = f"{params.uid}:{params.gid}"
    configured = subject.image_attrs()["Config"].get("User") or ""
    if not configured:
        raise PropertyFailed(
            f"user: the image sets no USER, so it runs as root; expected USER {expected}"
        )
    uid, _, gid = configured.partition(":")
    if not uid.isdigit() or (gid and not gid.isdigit()):
        raise PropertyFailed(
            f"user: USER {configured!r} is not numeric; Kubernetes runAsNonRoot can only "
            f"verify a number (expected USER {expected})"
        )
    if int(uid) != params.uid or (gid and int(gid) != params.gid):
        raise PropertyFailed(f"user: USER is {configured}, expected {expected}")

    container = subject.shared()
    status = container.read_file("/proc/1/status")
    live_uids, live_gids = _ids(status, "Uid"), _ids(status, "Gid")
    if live_uids != {params.uid} or live_gids != {params.gid}:
        raise PropertyFailed(
            f"user: PID 1 runs with uids {sorted(live_uids)} gids {sorted(live_gids)}, "
            f"expected {expected}\n--- container log (tail) ---\n{container.logs_tail()}"
        )
    return expected


PROPERTY = Property("user", "runs as UID/GID 10001, never root", Params, check)
