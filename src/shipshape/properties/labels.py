"""labels: the OCI labels are present; `version` is the APP_VERSION build arg."""

from dataclasses import dataclass

from shipshape.errors import PropertyFailed
from shipshape.properties.base import Property
from shipshape.subject import Subject

PREFIX = "org.opencontainers.image."
# The templates' ARG defaults: a label still at one of these was never set.
UNSET = {"", "unknown"}


@dataclass(frozen=True)
class Params:
    required: tuple[str, ...] = ("title", "version", "source", "revision", "created")
    version_arg: str = "APP_VERSION"


def check(subject: Subject, params: Params) -> str:
    labels = subject.image_attrs()["Config"].get("Labels") or {}
    unset = [f"{PREFIX}{k}" for k in params.required if labels.get(f"{PREFIX}{k}", "") in UNSET]
    if unset:
        raise PropertyFailed(f"labels: missing or unset: {', '.join(unset)}")
    expected = subject.plan().build_args.get(params.version_arg)
    actual = labels.get(f"{PREFIX}version")
    if expected is not None and actual != expected:
        raise PropertyFailed(
            f"labels: {PREFIX}version is {actual!r}, expected the {params.version_arg} "
            f"build arg {expected!r}"
        )
    return f"version {actual}"


PROPERTY = Property("labels", "OCI labels present; version = APP_VERSION", Params, check)
