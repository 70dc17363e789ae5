"""--shipshape-builder: a builder that cannot load into the run's engine stops the run at once."""

from __future__ import annotations

import pytest

from shipshape.builder import check_builder, parse_inspect
from shipshape.errors import ConfigError

# What `docker buildx inspect` prints (buildx 0.13), trimmed to the fields read.
DOCKER_DRIVER = """Name:   {name}
Driver: docker

Nodes:
Name:             {name}
Endpoint:         {name}
Status:           running
"""
CONTAINER_DRIVER = """Name:          shared
Driver:        docker-container

Nodes:
Name:      shared0
Endpoint:  unix:///var/run/docker.sock
Status:    running
"""
# An unreachable engine: buildx still exits 0, with an Error line and no driver.
UNREACHABLE = """Name:   far
Driver:
Error:  request returned Not Found for API route and version http://10.250.0.2:2375/_ping
"""


def inspect_as(text: str, returncode: int = 0):
    return lambda name: (returncode, text.format(name=name))


def test_the_docker_driver_builder_of_the_runs_own_context_is_used() -> None:
    facts = check_builder("remote", "remote", inspect_as(DOCKER_DRIVER))
    assert (facts.driver, facts.endpoints) == ("docker", ("remote",))


def test_a_docker_driver_builder_of_another_context_is_refused_naming_both() -> None:
    with pytest.raises(ConfigError) as caught:
        check_builder("remote", "default", inspect_as(DOCKER_DRIVER))
    message = str(caught.value)
    assert "\n" not in message
    assert "context 'remote'" in message and "context is 'default'" in message
    assert "--shipshape-context remote" in message


def test_other_drivers_load_into_the_current_context_and_are_used() -> None:
    facts = check_builder("shared", "default", inspect_as(CONTAINER_DRIVER))
    assert facts.driver == "docker-container"


def test_an_unknown_or_unreachable_builder_is_one_line_naming_it() -> None:
    missing = 'ERROR: no builder "nope" found\n'
    cases = {"nope": (1, missing, "no builder"), "far": (0, UNREACHABLE, "Not Found")}
    for name, (code, text, reason) in cases.items():
        with pytest.raises(ConfigError) as caught:
            parse_inspect(name, code, text)
        message = str(caught.value)
        assert message.startswith(f"--shipshape-builder {name}: ") and "\n" not in message
        assert reason in message
