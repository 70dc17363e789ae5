"""compose-isolated: only the app's port is published, on loopback; two
stacks run side by side without colliding; nothing is left after `down`."""

from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack

from shipshape.composefile import ComposeParams
from shipshape.errors import PropertyFailed
from shipshape.properties.base import Measured, Property
from shipshape.subject import Subject

LOOPBACK = "127.0.0.1"


def port_problems(config: dict, app: str) -> list[str]:
    """Published ports other than the app's, or on other than loopback."""
    problems = []
    for name, service in config.get("services", {}).items():
        for port in service.get("ports") or []:
            host_ip = port.get("host_ip") or "0.0.0.0"
            target = f"{name}:{port.get('target')}"
            if name != app:
                host_port = port.get("published") or "a random port"
                problems.append(f"{target} is published ({host_ip}:{host_port})")
            elif host_ip != LOOPBACK:
                problems.append(f"{target} is published on {host_ip}, not {LOOPBACK}")
    return problems


def check(subject: Subject, params: ComposeParams) -> Measured:
    with ExitStack() as cleanup:
        stacks = [cleanup.enter_context(subject.stack(params)) for _ in "ab"]
        problems = port_problems(stacks[0].config(), params.app_service)
        if problems:
            raise PropertyFailed("compose-isolated: " + "; ".join(problems))
        budget = subject.budget(params.within_s).seconds
        with ThreadPoolExecutor(max_workers=2) as pool:
            seconds = list(pool.map(lambda s: s.up(budget), stacks))
        urls = {s.url(params.app_service, params.app_port, "/") for s in stacks}
        if len(urls) != 2 or stacks[0].project == stacks[1].project:
            raise PropertyFailed(f"compose-isolated: the two stacks share {urls}")
        for stack in stacks:
            if (
                stack.get(params.app_service, params.app_port, params.health_path).status_code
                != 200
            ):
                raise PropertyFailed(f"compose-isolated: stack {stack.project} is not healthy")
    left = [item for stack in stacks for item in stack.leftovers()]
    if left:
        raise PropertyFailed(f"compose-isolated: left behind after down: {', '.join(left)}")
    return Measured(
        f"2 stacks side by side ({max(seconds):.1f}s), nothing left", {"seconds": max(seconds)}
    )


PROPERTY = Property(
    "compose-isolated",
    "parallel stacks do not collide; only the app is published",
    ComposeParams,
    check,
    own_stack=True,
    cost=7,
)
