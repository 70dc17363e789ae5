"""sigterm: `docker stop` ends the server promptly and cleanly, finishing in-flight work."""

import threading
import time
from dataclasses import dataclass

import httpx

from shipshape.errors import NotChecked, PropertyFailed
from shipshape.properties.base import Measured, Property, scaled
from shipshape.subject import Subject

# Docker's own default: after this, `docker stop` sends SIGKILL.
DOCKER_STOP_TIMEOUT_S = 10
# The in-flight request must have reached the app before SIGTERM is sent.
INFLIGHT_HEAD_START_S = 0.5


@dataclass(frozen=True)
class Params:
    within_s: float = 5.0
    exit_codes: tuple[int, ...] = (0,)
    # A request that is in flight when SIGTERM arrives and must still complete.
    inflight_path: str | None = "/slow?seconds=2"


class _InflightRequest(threading.Thread):
    def __init__(self, url: str) -> None:
        super().__init__(daemon=True)
        self.url = url
        self.outcome = "no answer"

    def run(self) -> None:
        try:
            response = httpx.get(self.url, timeout=30.0)
            self.outcome = f"HTTP {response.status_code}"
        except httpx.HTTPError as exc:
            self.outcome = f"{type(exc).__name__}: {exc}"


def check(subject: Subject, params: Params) -> str:
    container = subject.start()
    if not subject.wait_ready(container):
        raise NotChecked("the container never became ready (see healthy / listen)")
    inflight = None
    # Without a reachable port (see listen) only the stop itself is judged.
    reachable = container.wait_http(subject.health_path, 5.0 * subject.time_scale) is not None
    if params.inflight_path and reachable:
        inflight = _InflightRequest(container.url(params.inflight_path))
        inflight.start()
        time.sleep(INFLIGHT_HEAD_START_S)

    kill_after = max(DOCKER_STOP_TIMEOUT_S, params.within_s * subject.time_scale * 2)
    started = time.monotonic()
    container.container.stop(timeout=int(kill_after))
    exit_code = container.container.wait(timeout=30)["StatusCode"]
    seconds = time.monotonic() - started

    budget = params.within_s * subject.time_scale
    problems = []
    if seconds > budget:
        problems.append(f"stopped after {seconds:.1f}s, budget {scaled(subject, params.within_s)}")
    if exit_code not in params.exit_codes:
        killed = (
            " (SIGKILL after the stop timeout: SIGTERM was not handled)" if exit_code == 137 else ""
        )
        problems.append(f"exit code {exit_code}{killed}, expected {list(params.exit_codes)}")
    if inflight is not None:
        inflight.join(timeout=30)
        if inflight.outcome != "HTTP 200":
            problems.append(
                f"the request in flight when SIGTERM arrived did not complete: {inflight.outcome}"
            )
    if problems:
        raise PropertyFailed(
            "sigterm: "
            + "; ".join(problems)
            + f"\n--- container log (tail) ---\n{container.logs_tail()}"
        )
    unchecked = (
        "" if inflight or not params.inflight_path else " (in-flight not checked: port unreachable)"
    )
    return Measured(
        f"{seconds:.1f}s of {scaled(subject, params.within_s)}, exit {exit_code}{unchecked}",
        {"seconds": seconds, "exit_code": exit_code},
    )


PROPERTY = Property("sigterm", "SIGTERM stops it promptly and cleanly", Params, check)
