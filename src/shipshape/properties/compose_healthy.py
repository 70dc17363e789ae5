"""compose-healthy: `up --wait` brings every service to healthy in dependency
order, and the app's /health reports the database and the cache OK."""

from dataclasses import dataclass

from shipshape.composefile import ComposeParams
from shipshape.errors import PropertyFailed
from shipshape.properties.base import Measured, Property
from shipshape.subject import Subject


@dataclass(frozen=True)
class Params(ComposeParams):
    dependencies: tuple[str, ...] = ("db", "cache")


def order_problems(config: dict, app: str, dependencies: tuple[str, ...]) -> list[str]:
    """Dependencies the app may start before they are healthy."""
    services = config.get("services", {})
    depends = services.get(app, {}).get("depends_on") or {}
    problems = []
    for dependency in dependencies:
        condition = (depends.get(dependency) or {}).get("condition")
        if condition != "service_healthy":
            problems.append(
                f"{app} depends on {dependency} with condition {condition}: it can start "
                f"before {dependency} is healthy (use condition: service_healthy)"
            )
        if not services.get(dependency, {}).get("healthcheck"):
            problems.append(f"{dependency} has no healthcheck")
    return problems


def check(subject: Subject, params: Params) -> Measured:
    with subject.stack(params) as stack:
        problems = order_problems(stack.config(), params.app_service, params.dependencies)
        if problems:
            raise PropertyFailed("compose-healthy: " + "; ".join(problems))
        seconds = stack.up(subject.budget(params.within_s).seconds)
        response = stack.get(params.app_service, params.app_port, params.health_path)
        report = response.json()
        if (
            response.status_code != 200
            or report.get("database") != "ok"
            or report.get("cache") != "ok"
        ):
            raise PropertyFailed(
                f"compose-healthy: /health answered {response.status_code} {report}\n"
                f"--- logs (tail) ---\n{stack.logs_tail()}"
            )
    return Measured(f"stack healthy in {seconds:.1f}s", {"seconds": seconds})


PROPERTY = Property(
    "compose-healthy", "the stack comes up healthy in order", Params, check, own_stack=True, cost=6
)
