"""compose-clean-machine: `docker compose up --wait` as a team runs it from a
fresh checkout comes up healthy and pulls nothing the stack did not name.

Judged twice. From `docker compose config`, for the production file alone
and with the development override (what a plain `docker compose up`
merges): every service either builds its image (`build:`) or runs one of the
declared bases (POSTGRES_IMAGE, REDIS_IMAGE: their official names, or the
substitutes the bases file gives them). Then from a run of the default
configuration with only the repository's files, an `.env` copied from
`.env.example`, a password file and a loopback port, none of the harness's
variables (no APP_IMAGE): the declared bases are made present first (pulled
by their own names when missing: the stack names them), then `up --wait
--pull never` builds the rest and must come up healthy; a missing image
fails naming its service. The time it takes is the time to a healthy stack
on a machine that has only the bases.
"""

from dataclasses import dataclass
from pathlib import Path

from shipshape.composefile import (
    ComposeParams,
    built_services,
    service_of_image,
    unbuilt_image_problems,
    unbuilt_images,
)
from shipshape.errors import NotChecked, PropertyFailed
from shipshape.properties.base import Measured, Property
from shipshape.subject import ComposeStack, Subject


@dataclass(frozen=True)
class Params(ComposeParams):
    override_file: Path = Path("dockerfiles/docker-compose.override.yml")
    # The template the override builds: part of what the run depends on.
    dev_dockerfile: Path = Path("dockerfiles/Dockerfile.dev")
    env_example: Path = Path("sample_apps/stack/.env.example")
    # Time for the builds `up` runs before it starts waiting.
    build_within_s: float = 600.0


def declared_bases(stack: ComposeStack, params: Params) -> dict[str, str]:
    """Variable -> the image it names in this stack (a substitute, or the official name)."""
    return {var: stack.env.get(var, official) for var, official in params.images.items()}


def config_problems(stack: ComposeStack, params: Params, declared: set[str]) -> list[str]:
    """What each configuration a user runs would pull, judged from `docker compose config`."""
    problems = []
    for label, files in (
        ("docker-compose.yml", (params.compose_file,)),
        ("with the override", (params.compose_file, params.override_file)),
    ):
        problems += [f"{label}: {p}" for p in unbuilt_image_problems(stack.config(files), declared)]
    return problems


def make_bases_present(stack: ComposeStack, images: dict[str, str]) -> None:
    """The declared bases on the engine: pulled by the name the stack gives them if missing."""
    for var, ref in images.items():
        if stack.has_image(ref):
            continue
        pulled = stack.pull(ref)
        if pulled.returncode != 0:
            raise NotChecked(
                f"declared base {ref} ({var}) is not on this engine and cannot be pulled "
                f"(no registry?): {pulled.stderr.strip()[-300:]}"
            )


def check(subject: Subject, params: Params) -> Measured:
    files = (params.override_file,)
    with subject.stack(
        params, extra_files=files, clean=True, env_example=params.env_example
    ) as stack:
        images = declared_bases(stack, params)
        problems = config_problems(stack, params, set(images.values()))
        if problems:
            raise PropertyFailed("compose-clean-machine: " + "; ".join(problems))
        config = stack.config()
        built = built_services(config)
        make_bases_present(stack, images)
        budget = subject.budget(params.within_s).seconds
        build_s = subject.budget(params.build_within_s).seconds
        try:
            seconds = stack.up(budget, "--pull", "never", build_s=build_s)
        except PropertyFailed as failure:
            missing = [
                f"{image} (service {', '.join(service_of_image(config, image))})"
                for image in unbuilt_images(config)
                if not stack.has_image(image)
            ]
            reason = (
                f"\nnot on the engine, and never pulled: {', '.join(missing)}" if missing else ""
            )
            raise PropertyFailed(f"compose-clean-machine: {failure}{reason}") from None
        response = stack.get(params.app_service, params.app_port, params.health_path)
        if response.status_code != 200:
            raise PropertyFailed(
                f"compose-clean-machine: /health answered {response.status_code} "
                f"{response.text[:200]}\n{stack.logs_tail()}"
            )
    return Measured(
        f"healthy in {seconds:.1f}s from a clean checkout (built {', '.join(built)})",
        {"seconds": seconds},
    )


PROPERTY = Property(
    "compose-clean-machine",
    "a plain `docker compose up` builds or names every image it runs",
    Params,
    check,
    own_stack=True,
    cost=6,
)
