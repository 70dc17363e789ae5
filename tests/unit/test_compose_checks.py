"""The compose-* properties' static checks, on hand-written `compose config` output."""

from shipshape.properties.compose_healthy import order_problems
from shipshape.properties.compose_isolated import port_problems


def config(app: dict, db: dict | None = None) -> dict:
    return {"services": {"app": app, "db": db or {"healthcheck": {"test": ["CMD", "true"]}}}}


def test_health_condition_passes() -> None:
    app = {"depends_on": {"db": {"condition": "service_healthy"}}}
    assert order_problems(config(app), "app", ("db",)) == []


def test_started_condition_is_a_problem() -> None:
    app = {"depends_on": {"db": {"condition": "service_started"}}}
    [problem] = order_problems(config(app), "app", ("db",))
    assert "condition service_started" in problem


def test_dependency_without_healthcheck_is_a_problem() -> None:
    app = {"depends_on": {"db": {"condition": "service_healthy"}}}
    assert order_problems(config(app, db={"image": "postgres"}), "app", ("db",)) == [
        "db has no healthcheck"
    ]


def test_only_the_app_on_loopback_may_be_published() -> None:
    app = {"ports": [{"target": 8000, "host_ip": "127.0.0.1", "published": "8000"}]}
    assert port_problems(config(app), "app") == []


def test_app_on_all_interfaces_is_a_problem() -> None:
    app = {"ports": [{"target": 8000, "published": "8000"}]}
    assert port_problems(config(app), "app") == ["app:8000 is published on 0.0.0.0, not 127.0.0.1"]


def test_a_published_database_is_a_problem() -> None:
    db = {"ports": [{"target": 5432, "host_ip": "127.0.0.1"}]}
    assert port_problems(config({}, db), "app") == [
        "db:5432 is published (127.0.0.1:a random port)"
    ]
