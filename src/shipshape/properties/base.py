"""What a property is: an id, its parameters, and a check function.

A check takes the subject under test and the property's parameters (a
dataclass whose fields are the manifest's keys), returns the measured value
shown in the report (e.g. "1.9s", or a `Measured` that also carries
numbers), and raises PropertyFailed with a message
that names expected vs actual and the relevant log tail.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from shipshape.subject import Reads, Subject


@dataclass(frozen=True)
class Measured:
    """A check's result: the text the table shows, and numbers for charts and benchmarks."""

    text: str
    numbers: Mapping[str, float] = field(default_factory=dict)


Check = Callable[[Subject, Any], str | Measured]


@dataclass(frozen=True)
class Property:
    id: str
    summary: str
    params: type
    check: Check
    # A command-line option without which the property is not collected
    # (e.g. it needs the network); None = always collected.
    requires_option: str | None = None
    # False when the verdict depends on something outside its fingerprint
    # (a vulnerability database that changes daily) or the check writes an
    # artifact each run (an SBOM): always checked afresh.
    reusable: bool = True
    # What the verdict depends on, and so its fingerprint: the image (and
    # all that made it); only files, the Dockerfile's text and the files its
    # parameters name (a Deployment, a hadolint config), so one template's
    # verdict holds for every app built from it; or probe builds of the
    # dependency install stage, so a change to a later stage keeps it.
    reads: Reads = Reads.IMAGE
    # True when the check boots its own Compose stack and shares none of the
    # target's containers: it then runs in an xdist group of its own, so it
    # can run beside the target's other checks.
    own_stack: bool = False
    # True for the check that starts the target's shared container and times
    # its start (healthy): it runs before every check that observes it.
    starts_shared: bool = False
    # About how many seconds the check takes on a build machine (2 cores):
    # it orders the work, costliest first (schedule.py), and decides nothing.
    cost: float = 1.0

    @property
    def module(self) -> str:
        """The module that holds this property's code (`no_build_tools`)."""
        return self.check.__module__.rsplit(".", 1)[-1]


def mb(size_bytes: float) -> float:
    return size_bytes / 1e6
