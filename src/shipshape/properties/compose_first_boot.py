"""compose-first-boot: on an empty volume, `up --wait` applies the migrations
and comes up healthy, every time: `boots` times in a row, each on a fresh
volume, with no retry by the harness.

First boot is a race (the database image initialises on a temporary server
that refuses TCP; a migration job may connect before the real server
listens): one lucky boot proves little, so it is repeated, and one failed
boot fails the property with its logs.
"""

import secrets
import statistics
import time
from dataclasses import dataclass

import httpx

from shipshape.composefile import ComposeParams
from shipshape.errors import PropertyFailed
from shipshape.properties.base import Measured, Property
from shipshape.subject import ComposeStack, Subject


@dataclass(frozen=True)
class Params(ComposeParams):
    boots: int = 10
    migrate_service: str = "migrate"
    # A write needs the migrated schema: proof the migrations were applied.
    write_path: str = "/notes"


def boot_problem(stack: ComposeStack, params: Params) -> str | None:
    """What is wrong after one `up --wait` on a fresh volume, or None."""
    migrate = stack.container(params.migrate_service)["State"]
    if migrate.get("Status") != "exited" or migrate.get("ExitCode") != 0:
        return (
            f"{params.migrate_service} is {migrate.get('Status')} with exit code "
            f"{migrate.get('ExitCode')}: the migrations did not complete"
        )
    health = stack.get(params.app_service, params.app_port, params.health_path)
    if health.status_code != 200:
        return f"{params.health_path} answered {health.status_code} {health.text[:200]}"
    created = httpx.post(
        stack.url(params.app_service, params.app_port, params.write_path),
        json={"text": f"first-boot-{secrets.token_hex(4)}"},
        timeout=10.0,
    )
    if created.status_code != 201:
        return (
            f"a write to {params.write_path} answered {created.status_code} "
            f"{created.text[:200]} (is the schema migrated?)"
        )
    return None


def failed(boot: int, good: int, params: Params, problem: str) -> str:
    return (
        f"compose-first-boot: boot {boot} of {params.boots} on a fresh volume failed "
        f"(after {good} good): {problem}"
    )


def check(subject: Subject, params: Params) -> Measured:
    if params.boots < 1:
        raise PropertyFailed(f"compose-first-boot: boots must be at least 1, not {params.boots}")
    budget = subject.budget(params.within_s).seconds
    times: list[float] = []
    with subject.stack(params) as stack:
        for boot in range(1, params.boots + 1):
            started = time.monotonic()
            try:
                stack.up(budget)  # its failure carries the logs' tail
            except PropertyFailed as failure:
                raise PropertyFailed(failed(boot, len(times), params, str(failure))) from None
            problem = boot_problem(stack, params)
            if problem:
                logs = f"{problem}\n--- logs (tail) ---\n{stack.logs_tail(30)}"
                raise PropertyFailed(failed(boot, len(times), params, logs))
            times.append(time.monotonic() - started)
            # Containers and volumes gone: the next boot starts empty.
            stack.down(volumes=True)
    numbers = {f"boot_{i}_s": t for i, t in enumerate(times, start=1)}
    numbers |= {"median_s": statistics.median(times), "max_s": max(times)}
    listing = " ".join(f"{t:.1f}" for t in times)
    return Measured(
        f"{len(times)} fresh boots, median {statistics.median(times):.1f}s, "
        f"max {max(times):.1f}s ({listing})",
        numbers,
    )


PROPERTY = Property(
    "compose-first-boot",
    "every first boot on an empty volume migrates and comes up healthy",
    Params,
    check,
    own_stack=True,
    cost=54,
)
