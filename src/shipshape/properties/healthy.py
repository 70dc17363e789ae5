"""healthy: a HEALTHCHECK is defined and the container reaches `healthy` in time."""

from dataclasses import dataclass

from shipshape.errors import PropertyFailed
from shipshape.properties.base import Measured, Property, scaled
from shipshape.subject import Subject


@dataclass(frozen=True)
class Params:
    within_s: float = 10.0


def check(subject: Subject, params: Params) -> str:
    healthcheck = subject.image_attrs()["Config"].get("Healthcheck") or {}
    test = healthcheck.get("Test") or []
    if not test or test == ["NONE"]:
        raise PropertyFailed("healthy: the image defines no HEALTHCHECK")
    budget = params.within_s * subject.time_scale
    # A container of its own: time to healthy is measured from its start.
    container = subject.start()
    seconds = container.wait_healthy(budget)
    if seconds is None:
        raise PropertyFailed(
            f"healthy: expected `healthy` within {scaled(subject, params.within_s)}, it was not "
            f"(status: {container.health_status()})\n"
            f"--- health log (tail) ---\n{container.health_log_tail()}\n"
            f"--- container log (tail) ---\n{container.logs_tail()}"
        )
    return Measured(f"{seconds:.1f}s of {scaled(subject, params.within_s)}", {"seconds": seconds})


PROPERTY = Property("healthy", "HEALTHCHECK defined and reaches healthy", Params, check)
