"""compose-dev: with the development override, editing the bind-mounted
source changes the app's response."""

import dataclasses
import secrets
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

from shipshape.build import build_image, plan_build
from shipshape.compose import ComposeParams, running_stack, wait_for
from shipshape.errors import PropertyFailed
from shipshape.manifest import Target
from shipshape.properties.base import Measured, Property
from shipshape.properties.compose_support import open_stack
from shipshape.subject import Subject


@dataclass(frozen=True)
class Params(ComposeParams):
    override_file: Path = Path("dockerfiles/docker-compose.override.yml")
    dev_dockerfile: Path = Path("dockerfiles/Dockerfile.dev")
    source_dir: str = "app"
    file: str = "app/main.py"
    old: str = '"hello"'
    reload_within_s: float = 15.0


def dev_image(subject: Subject, params: Params) -> str:
    """The app built from the dev template, content-hash tagged like any target."""
    variant = dataclasses.replace(
        subject.target.variant,
        name=f"{subject.target.variant.name}-dev",
        dockerfile=params.dev_dockerfile,
    )
    target = Target(variant, subject.target.app, subject.target.python, subject.target.platform)
    built = build_image(
        plan_build(target, subject.build_options, subject.client),
        subject.build_options,
        subject.client,
        subject.progress,
    )
    if not built.ok:
        raise PropertyFailed(f"compose-dev: the dev image did not build\n{built.log[-1500:]}")
    return built.tag


def check(subject: Subject, params: Params) -> Measured:
    with tempfile.TemporaryDirectory(prefix="shipshape-dev-") as tmp:
        source = Path(tmp) / params.source_dir
        shutil.copytree(subject.target.app.path / params.source_dir, source)
        env = {
            "APP_DEV_IMAGE": dev_image(subject, params),
            "APP_SOURCE": str(source),
            "DB_DEBUG_PORT": "0",
            "CACHE_DEBUG_PORT": "0",
        }
        with running_stack(*open_stack(subject, params, (params.override_file,), env)) as stack:
            stack.up(subject.budget(params.within_s).seconds)
            token = f"reloaded-{secrets.token_hex(4)}"
            edited = Path(tmp) / params.file
            edited.write_text(edited.read_text().replace(params.old, f'"{token}"'))
            budget = subject.budget(params.reload_within_s).seconds
            seconds = wait_for(
                lambda: token in stack.get(params.app_service, params.app_port, "/").text, budget
            )
            if seconds is None:
                raise PropertyFailed(
                    f"compose-dev: after editing {params.file}, GET / did not change within "
                    f"{subject.budget(params.reload_within_s)}\n{stack.logs_tail()}"
                )
    return Measured(f"reloaded in {seconds:.1f}s", {"seconds": seconds})


PROPERTY = Property("compose-dev", "with the override, an edit reloads the app", Params, check)
