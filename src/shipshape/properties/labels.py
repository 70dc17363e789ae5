"""labels: the OCI labels are present and real; `version` is the APP_VERSION build arg.

"Real" means no placeholder: neither the templates' ARG defaults ("",
"unknown") nor the values the harness itself passes for VCS_REF and
BUILD_DATE when the app's folder has no git commit (`UNCOMMITTED`). And
`created` is an RFC 3339 date-time, as the OCI image spec requires.
"""

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from shipshape.errors import PropertyFailed
from shipshape.properties.base import Property
from shipshape.subject import Subject
from shipshape.vcs import UNCOMMITTED

PREFIX = "org.opencontainers.image."
# The templates' ARG defaults: a label still at one of these was never set.
TEMPLATE_DEFAULTS = frozenset({"", "unknown"})
# What the harness passes when the app folder has no commit to take them from.
HARNESS_PLACEHOLDERS = frozenset(UNCOMMITTED.values())
# The labels the templates fill from a build arg the harness passes.
FROM_VCS = {"revision": "VCS_REF", "created": "BUILD_DATE"}
RFC3339 = re.compile(r"\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})")


@dataclass(frozen=True)
class Params:
    required: tuple[str, ...] = ("title", "version", "source", "revision", "created")
    version_arg: str = "APP_VERSION"


def _is_placeholder(value: str) -> bool:
    return value.strip() in TEMPLATE_DEFAULTS | HARNESS_PLACEHOLDERS


def is_rfc3339(value: str) -> bool:
    if not RFC3339.fullmatch(value):
        return False
    try:
        datetime.fromisoformat(value.upper().replace(" ", "T").replace("Z", "+00:00"))
    except ValueError:  # 2026-13-45T...: the right shape, not a date
        return False
    return True


def _placeholder(key: str, value: str, params: Params, app_folder: Path) -> str:
    """Why the label `key` holding a placeholder is unset, and where its real value comes from."""
    label = f"{PREFIX}{key}"
    arg = FROM_VCS.get(key)
    if arg and value in HARNESS_PLACEHOLDERS:
        return (
            f"{label} is the harness's placeholder {value!r}: the harness passes {arg} from "
            f"the last git commit of the app folder {app_folder}, which has none; commit "
            f"the app, or set the {arg} build arg in the manifest"
        )
    if arg:
        return (
            f"{label} is {value!r}, a placeholder: it is not filled from the {arg} build arg "
            f"(the harness passes the last git commit of the app folder {app_folder})"
        )
    if key == "version":
        return (
            f"{label} is {value!r}, a placeholder: it comes from the "
            f"{params.version_arg} build arg (the manifest's build_args)"
        )
    return f"{label} is {value!r}, a placeholder: set it in the Dockerfile's LABEL"


def label_problems(
    labels: Mapping[str, str], params: Params, build_args: Mapping[str, str], app_folder: Path
) -> list[str]:
    """Each required label that is missing, a placeholder or malformed, and why."""
    problems = []
    for key in params.required:
        value = labels.get(f"{PREFIX}{key}")
        if value is None:
            problems.append(f"{PREFIX}{key} is missing")
        elif _is_placeholder(value):
            problems.append(_placeholder(key, value, params, app_folder))
        elif key == "created" and not is_rfc3339(value):
            problems.append(
                f"{PREFIX}created is {value!r}, not an RFC 3339 date-time "
                "(e.g. 2026-01-31T12:00:00Z)"
            )
    expected = build_args.get(params.version_arg)
    actual = labels.get(f"{PREFIX}version")
    if (
        expected is not None
        and actual is not None
        and not _is_placeholder(actual)
        and actual != expected
    ):
        problems.append(
            f"{PREFIX}version is {actual!r}, expected the {params.version_arg} "
            f"build arg {expected!r}"
        )
    return problems


def check(subject: Subject, params: Params) -> str:
    labels = subject.image_attrs()["Config"].get("Labels") or {}
    problems = label_problems(labels, params, subject.build_args(), subject.target.app.path)
    if problems:
        raise PropertyFailed("labels: " + "; ".join(problems))
    return f"version {labels.get(f'{PREFIX}version')}"


PROPERTY = Property("labels", "OCI labels present; version = APP_VERSION", Params, check)
