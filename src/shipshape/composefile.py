"""What a Compose stack is made of, as data: the compose-* properties'
parameters and pure readings of `docker compose config --format json`.

Nothing here talks to an engine: a property may import it (the stack
itself comes from its `Subject`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path


@dataclass(frozen=True)
class ComposeParams:
    """What every compose-* property needs to bring the stack up."""

    compose_file: Path = Path("dockerfiles/docker-compose.yml")
    app_service: str = "app"
    app_port: int = 8000
    # The app's health route, which reports its backends.
    health_path: str = "/health"
    # The variables that name the stack's base images, with the official
    # names the compose file defaults to; the harness passes their
    # substitutes (a mirror, the offline stand-ins) as these variables, as a
    # user with a mirror would. These are the only images a service may run
    # without building them.
    images: Mapping[str, str] = field(
        default_factory=lambda: {"POSTGRES_IMAGE": "postgres:16", "REDIS_IMAGE": "redis:7"}
    )
    within_s: float = 90.0


def services(config: Mapping) -> Mapping[str, Mapping]:
    return config.get("services") or {}


def built_services(config: Mapping) -> list[str]:
    """The services the stack builds itself (a `build:` section)."""
    return [name for name, service in services(config).items() if service.get("build")]


def unbuilt_image_problems(config: Mapping, declared: Iterable[str]) -> list[str]:
    """Services that would run an image the stack neither builds nor declares.

    Compose pulls such an image from a registry (Docker Hub for a bare name)
    before it builds anything: a name that a sibling service builds is no
    excuse, since the pull comes first and whatever the registry holds under
    that name runs with the stack's secrets.
    """
    allowed = set(declared)
    problems = []
    for name, service in services(config).items():
        if service.get("build"):
            continue
        image = service.get("image")
        if image is None:
            problems.append(f"{name} has neither build: nor image:")
        elif image not in allowed:
            problems.append(
                f"{name} runs {image}, which the stack does not build (no build:) and which is "
                f"not a declared base ({', '.join(sorted(allowed)) or 'none'}): "
                "Compose would pull it from a registry"
            )
    return problems


def service_of_image(config: Mapping, image: str) -> list[str]:
    """The services that run `image` (to name them when it is missing)."""
    return [name for name, service in services(config).items() if service.get("image") == image]


def unbuilt_images(config: Mapping) -> list[str]:
    """The images of the services that do not build theirs."""
    return sorted(
        {s["image"] for s in services(config).values() if not s.get("build") and s.get("image")}
    )
