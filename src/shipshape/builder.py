"""The buildx builder of a run (`--shipshape-builder`), checked before anything builds.

Every build is `--load`ed into the engine that runs the containers. That
holds for the docker-container, remote and kubernetes drivers: their
`--load` goes to the engine of the current context, which the run pins.
A builder of the `docker` driver is different: it *is* the engine of one
docker context, and buildx refuses it from any other context ("use
`docker --context=NAME buildx` to switch", seen with buildx 0.13), where
it would load into its own engine anyway. Every build would fail; so the
run stops at once with one line instead.
"""

from __future__ import annotations

import subprocess
from collections.abc import Callable
from dataclasses import dataclass

from shipshape.errors import ConfigError

Inspect = Callable[[str], tuple[int, str]]


@dataclass(frozen=True)
class BuilderFacts:
    name: str
    driver: str
    endpoints: tuple[str, ...]  # per node; for the docker driver, a context name


def buildx_inspect(name: str) -> tuple[int, str]:
    """`docker buildx inspect NAME`: its exit code and output (stdout and stderr)."""
    done = subprocess.run(
        ["docker", "buildx", "inspect", name], capture_output=True, text=True, check=False
    )
    return done.returncode, done.stdout + done.stderr


def parse_inspect(name: str, returncode: int, output: str) -> BuilderFacts:
    """The driver and node endpoints `buildx inspect` printed, or one ConfigError."""
    fields = [line.partition(":") for line in output.splitlines()]
    errors = [value.strip() for key, _, value in fields if key.strip() == "Error"]
    driver = next((value.strip() for key, _, value in fields if key.strip() == "Driver"), "")
    if returncode != 0 or errors or not driver:
        reason = (errors or [output.strip().splitlines()[-1] if output.strip() else "no output"])[0]
        raise ConfigError(
            f"--shipshape-builder {name}: buildx cannot use this builder ({reason}); "
            f"`docker buildx ls` lists the builders"
        )
    endpoints = tuple(value.strip() for key, _, value in fields if key.strip() == "Endpoint")
    return BuilderFacts(name, driver, endpoints)


def check_builder(name: str, run_context: str, inspect: Inspect = buildx_inspect) -> BuilderFacts:
    """The builder's facts; ConfigError when buildx cannot build with it for this run."""
    facts = parse_inspect(name, *inspect(name))
    if facts.driver == "docker" and name != run_context:
        raise ConfigError(
            f"--shipshape-builder {name}: a `docker`-driver builder is the engine of docker "
            f"context {name!r} and buildx builds with it only from that context, while this "
            f"run's context is {run_context!r} (its images would not reach the run's engine "
            f"either); run on that engine with --shipshape-context {name}, or name a "
            f"docker-container, remote or kubernetes builder"
        )
    return facts
