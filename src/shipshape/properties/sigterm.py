"""sigterm: SIGTERM ends the server promptly and cleanly, finishing in-flight work.

The container is sent SIGTERM itself, as Kubernetes and ECS do whatever the
image's STOPSIGNAL says (`docker stop` would send the STOPSIGNAL instead and
hide a server that ignores SIGTERM). A clean exit is one of `exit_codes`:
0, or 143 (128 + 15), which is how a process that ended *because of* the
SIGTERM it was sent reports (a server under tini/dumb-init, a Python app
that re-raises the signal). 137 means it had to be killed.
"""

import threading
import time
from dataclasses import dataclass

import httpx

from shipshape.errors import NotChecked, PropertyFailed
from shipshape.properties.base import Measured, Property
from shipshape.subject import RunningContainer, Subject

# The in-flight request must have reached the app before SIGTERM is sent.
# (1.2 s: from a remote engine host the request starts in a probe container, seen
# to need more than 0.5 s under load. The manifest's 3 s slow route then still
# runs 1.8 s past SIGTERM: longer than a 1 s graceful shutdown, within the
# templates' 4 s.)
INFLIGHT_HEAD_START_S = 1.2
# A stop is judged this long past its budget before the container is killed.
GRACE_AFTER_BUDGET_S = 1.0
CLEAN_EXITS = {0: "exit 0", 143: "ended by the SIGTERM it was sent (128+15)"}
TERM_NAMES = {"", "SIGTERM", "TERM", "15"}


@dataclass(frozen=True)
class Params:
    within_s: float = 5.0
    exit_codes: tuple[int, ...] = (0, 143)
    # A request in flight when SIGTERM arrives that must still complete;
    # None: the app has no slow route to prove it with.
    inflight_path: str | None = None


class _InflightRequest(threading.Thread):
    def __init__(self, container: RunningContainer, path: str) -> None:
        super().__init__(daemon=True)
        self.container, self.path = container, path
        self.outcome = "no answer"

    def run(self) -> None:
        try:
            response = self.container.get(self.path, timeout=30.0)
            self.outcome = f"HTTP {response.status_code}"
        except httpx.HTTPError as exc:
            self.outcome = f"{type(exc).__name__}: {exc}"


def stop_signal_note(stop_signal: str | None) -> str:
    """What the image's STOPSIGNAL means for orchestrators that send SIGTERM anyway."""
    if (stop_signal or "").upper() in TERM_NAMES:
        return ""
    return (
        f"; STOPSIGNAL is {stop_signal}: `docker stop` sends that, but Kubernetes and ECS "
        "send SIGTERM"
    )


def check(subject: Subject, params: Params) -> Measured:
    container = subject.start()
    if not subject.wait_ready(container):
        raise NotChecked("the container never became ready (healthy and listen failed)")
    inflight = None
    if params.inflight_path:
        if container.wait_http(subject.health_path, subject.budget(5.0).seconds) is None:
            raise NotChecked(
                "the in-flight request cannot be sent: the port does not answer (listen failed)"
            )
        inflight = _InflightRequest(container, params.inflight_path)
        inflight.start()
        time.sleep(INFLIGHT_HEAD_START_S)

    budget = subject.budget(params.within_s).seconds
    started = time.monotonic()
    container.container.kill(signal="SIGTERM")
    stopped = container.wait_exited(budget + GRACE_AFTER_BUDGET_S)
    seconds = time.monotonic() - started
    if not stopped:
        container.container.kill(signal="SIGKILL")
    exit_code = container.container.wait(timeout=30)["StatusCode"]
    note = stop_signal_note(subject.image_config().get("StopSignal"))

    problems = []
    if not stopped:
        problems.append(
            f"still running {seconds:.1f}s after SIGTERM (budget "
            f"{subject.budget(params.within_s)}): SIGTERM was not handled, SIGKILL sent"
        )
    elif seconds > budget:
        problems.append(f"stopped after {seconds:.1f}s, budget {subject.budget(params.within_s)}")
    if stopped and exit_code not in params.exit_codes:
        problems.append(f"exit code {exit_code}, expected one of {list(params.exit_codes)}")
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
            + note
            + f"\n--- container log (tail) ---\n{container.logs_tail()}"
        )
    meaning = CLEAN_EXITS.get(exit_code, f"exit {exit_code}")
    inflight_text = ", in-flight request completed" if inflight else ""
    return Measured(
        f"{seconds:.1f}s of {subject.budget(params.within_s)}, {meaning}{inflight_text}{note}",
        {"seconds": seconds, "exit_code": exit_code},
    )


PROPERTY = Property("sigterm", "SIGTERM stops it promptly and cleanly", Params, check, cost=4)
