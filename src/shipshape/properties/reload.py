"""reload: (dev images) editing a bind-mounted source file changes the response."""

import secrets
import shutil
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import httpx

from shipshape.errors import NotChecked, PropertyFailed
from shipshape.properties.base import Property
from shipshape.subject import RunOptions, Subject
from shipshape.waiting import poll


@dataclass(frozen=True)
class Params:
    # The app folder bind-mounted over the image's copy, and where.
    source_dir: str = "app"
    mount_at: str = "/app/app"
    # The edit: in `file` (relative to the app), `old` becomes a fresh token.
    file: str = "app/main.py"
    old: str = '"hello"'
    path: str = "/"
    within_s: float = 10.0


def check(subject: Subject, params: Params) -> str:
    with tempfile.TemporaryDirectory(prefix="shipshape-reload-") as tmp:
        source = Path(tmp) / params.source_dir
        shutil.copytree(subject.target.app.path / params.source_dir, source)
        source.chmod(0o755)  # readable by the container's user
        container = subject.start(RunOptions(volumes={str(source): params.mount_at}))
        if not subject.wait_ready(container):
            raise NotChecked("the dev container never became ready (see healthy / listen)")
        edited = Path(tmp) / params.file
        text = edited.read_text()
        if params.old not in text:
            raise NotChecked(f"reload: {params.old!r} is not in {params.file}")
        token = f"reloaded-{secrets.token_hex(4)}"
        edited.write_text(text.replace(params.old, f'"{token}"'))
        started = time.monotonic()

        def shows_the_change() -> float | None:
            try:
                body = container.get(params.path, timeout=2.0).text
            except httpx.HTTPError:
                return None  # restarting
            return time.monotonic() - started if token in body else None

        seconds = poll(shows_the_change, subject.budget(params.within_s).seconds, every_s=0.2)
        if seconds is not None:
            return f"{seconds:.1f}s of {subject.budget(params.within_s)}"
    raise PropertyFailed(
        f"reload: after editing {params.file}, GET {params.path} did not show the change "
        f"within {subject.budget(params.within_s)}\n--- container log (tail) ---\n"
        + container.logs_tail()
    )


PROPERTY = Property("reload", "editing a mounted source file changes the response", Params, check)
