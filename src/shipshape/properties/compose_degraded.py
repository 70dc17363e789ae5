"""compose-degraded: with Redis stopped, /health turns 503 without the app
restarting; with Redis back, /health recovers."""

from dataclasses import dataclass

from shipshape.composefile import ComposeParams
from shipshape.errors import PropertyFailed
from shipshape.properties.base import Measured, Property
from shipshape.subject import Subject


@dataclass(frozen=True)
class Params(ComposeParams):
    backend: str = "cache"
    react_within_s: float = 15.0


def check(subject: Subject, params: Params) -> Measured:
    budget = subject.budget(params.react_within_s).seconds
    with subject.stack(params) as stack:
        stack.up(subject.budget(params.within_s).seconds)

        def health() -> int:
            return stack.get(params.app_service, params.app_port, params.health_path).status_code

        def await_health(status: int, failure: str) -> float:
            seconds = stack.wait_until(lambda: health() == status, budget)
            if seconds is None:
                raise PropertyFailed(
                    f"compose-degraded: {failure} within {budget:g}s\n{stack.logs_tail()}"
                )
            return seconds

        restarts = stack.container(params.app_service)["RestartCount"]
        stack.compose("stop", params.backend)
        down_s = await_health(
            503,
            f"with {params.backend} stopped, /health did not turn 503 (it still reports healthy)",
        )
        app = stack.container(params.app_service)
        if app["RestartCount"] != restarts or app["State"]["Status"] != "running":
            raise PropertyFailed(
                f"compose-degraded: the app restarted or stopped while {params.backend} was "
                f"down (restarts {restarts} -> {app['RestartCount']})\n{stack.logs_tail()}"
            )
        stack.compose("start", params.backend)
        up_s = await_health(200, f"/health did not recover after {params.backend} came back")
    return Measured(
        f"503 in {down_s:.1f}s, back in {up_s:.1f}s", {"down_s": down_s, "recover_s": up_s}
    )


PROPERTY = Property(
    "compose-degraded",
    "a backend outage degrades, not crashes",
    Params,
    check,
    own_stack=True,
    cost=6,
)
