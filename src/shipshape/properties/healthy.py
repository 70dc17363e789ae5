"""healthy: a HEALTHCHECK is defined and the container reaches `healthy` in time.

The budget is the manifest's `within_s` (shipshape's templates promise
10 s). Without one, it is what the image's own HEALTHCHECK timing allows:
its first probe comes after `interval` (or `start_interval` while starting),
so interval + timeout + 10 s of start-up.
"""

import time
from dataclasses import dataclass

from shipshape.errors import PropertyFailed
from shipshape.properties.base import Measured, Property
from shipshape.subject import Subject

NANOSECONDS = 1e9
DOCKER_DEFAULT_INTERVAL_S = 30.0
DOCKER_DEFAULT_TIMEOUT_S = 30.0
START_UP_S = 10.0


@dataclass(frozen=True)
class Params:
    within_s: float | None = None


def own_budget_s(healthcheck: dict) -> float:
    """When a HEALTHCHECK's own timing lets the first probe pass, plus start-up time."""
    interval = (
        healthcheck.get("StartInterval")
        or healthcheck.get("Interval")
        or DOCKER_DEFAULT_INTERVAL_S * NANOSECONDS
    )
    timeout = healthcheck.get("Timeout") or DOCKER_DEFAULT_TIMEOUT_S * NANOSECONDS
    return (interval + timeout) / NANOSECONDS + START_UP_S


def check(subject: Subject, params: Params) -> Measured:
    healthcheck = subject.image_config().get("Healthcheck") or {}
    test = healthcheck.get("Test") or []
    if not test or test == ["NONE"]:
        raise PropertyFailed("healthy: the image defines no HEALTHCHECK")
    within_s = params.within_s if params.within_s is not None else own_budget_s(healthcheck)
    budget = subject.budget(within_s).seconds
    # Time to healthy is measured from the container's start: the shared
    # one's, which this check starts (starts_shared: it runs before the checks
    # that observe it), else, when one started it already (a run that reused
    # this verdict, then re-ran it), a container of its own.
    container = subject.start_shared() or subject.start()
    started = time.monotonic()
    seconds = container.wait_healthy(budget)
    if seconds is None and container.exited():
        # The engine calls an ended container `unhealthy` at once: the exit is the cause.
        raise PropertyFailed(
            f"healthy: the container exited (exit code {container.exit_code()}) after "
            f"{time.monotonic() - started:.1f}s, before its HEALTHCHECK passed\n"
            f"--- container log (tail) ---\n{container.logs_tail()}"
        )
    if seconds is None:
        raise PropertyFailed(
            f"healthy: expected `healthy` within {subject.budget(within_s)}, it was not "
            f"(status: {container.health_status()}, after {time.monotonic() - started:.1f}s)\n"
            f"--- health log (tail) ---\n{container.health_log_tail()}\n"
            f"--- container log (tail) ---\n{container.logs_tail()}"
        )
    return Measured(f"{seconds:.1f}s of {subject.budget(within_s)}", {"seconds": seconds})


PROPERTY = Property(
    "healthy", "HEALTHCHECK defined and reaches healthy", Params, check, starts_shared=True
)
