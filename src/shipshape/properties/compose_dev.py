"""compose-dev: with the development override, editing the bind-mounted
source changes the app's response."""

import secrets
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

from shipshape.composefile import ComposeParams
from shipshape.errors import PropertyFailed
from shipshape.properties.base import Measured, Property
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
    built = subject.sibling_image(params.dev_dockerfile, "dev")
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
        }
        with subject.stack(params, extra_files=(params.override_file,), extra_env=env) as stack:
            stack.up(subject.budget(params.within_s).seconds)
            token = f"reloaded-{secrets.token_hex(4)}"
            edited = Path(tmp) / params.file
            edited.write_text(edited.read_text().replace(params.old, f'"{token}"'))
            budget = subject.budget(params.reload_within_s).seconds
            seconds = stack.wait_until(
                lambda: token in stack.get(params.app_service, params.app_port, "/").text, budget
            )
            if seconds is None:
                raise PropertyFailed(
                    f"compose-dev: after editing {params.file}, GET / did not change within "
                    f"{subject.budget(params.reload_within_s)}\n{stack.logs_tail()}"
                )
    return Measured(f"reloaded in {seconds:.1f}s", {"seconds": seconds})


PROPERTY = Property(
    "compose-dev",
    "with the override, an edit reloads the app",
    Params,
    check,
    own_stack=True,
    cost=6,
)
