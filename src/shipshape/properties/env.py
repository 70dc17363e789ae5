"""env: unbuffered output (proved through `docker logs`), no runtime .pyc
writes, the virtualenv first on PATH, bytecode precompiled.

The precompiled share counts every `.py` of the venv's site-packages, the
app's own modules among them when the app is installed there (non-editable).
The app's own modules are also counted apart, wherever Python imports them
from: each `.py` of the build context (as the .dockerignore lets it through)
is looked for in site-packages (its path with a leading `src/` dropped) and
else under the image's WORKDIR (an editable install or a plain copy). On a
read-only root an uncompiled module is compiled again at every start.
"""

import posixpath
import time
from dataclasses import dataclass

from shipshape.errors import PropertyFailed
from shipshape.properties.base import Measured, Property
from shipshape.subject import Entry, RunOptions, Subject
from shipshape.waiting import poll


@dataclass(frozen=True)
class Params:
    required: tuple[str, ...] = ("PYTHONUNBUFFERED=1", "PYTHONDONTWRITEBYTECODE=1")
    # The virtualenv that must come first on PATH; None: the image's own
    # (VIRTUAL_ENV, or a PATH entry beside a pyvenv.cfg), if it has one.
    venv: str | None = None
    # Text the app prints to stdout at start-up; it must reach `docker logs`
    # while the server runs (block-buffered stdout would hold it back).
    # None: the app prints nothing known, so only the ENV is checked.
    startup_line: str | None = None
    startup_within_s: float = 10.0
    # Share of the venv's .py files that must have a .pyc for this Python
    # (0: precompiling is not promised).
    min_compiled: float = 0.0
    # Share of the app's own modules (see above) that must have a .pyc
    # (0: not promised; the count is still reported).
    min_app_compiled: float = 0.0


def _is_compiled(source: str, paths: set[str], tag: str) -> bool:
    folder, name = posixpath.split(source)
    stem = name[: -len(".py")]
    return any(f"{folder}/__pycache__/{stem}.{tag}{opt}.pyc" in paths for opt in ("", ".opt-1"))


def compiled_share(entries: list[Entry], venv: str, tag: str) -> tuple[int, int]:
    """(compiled, total) .py files in the venv's site-packages; `tag` e.g. cpython-315."""
    prefix = venv.strip("/") + "/lib/"
    paths = {e.path for e in entries if e.path.startswith(prefix)}
    sources = [p for p in paths if p.endswith(".py") and "/site-packages/" in p]
    return sum(_is_compiled(s, paths, tag) for s in sources), len(sources)


def app_modules(entries: list[Entry], venv: str, workdir: str, context: list[str]) -> list[str]:
    """Where the image holds each of the context's .py files: site-packages, else WORKDIR."""
    paths = {e.path for e in entries}
    prefix = venv.strip("/") + "/lib/"
    site_packages = sorted(
        {
            p.split("/site-packages/", 1)[0] + "/site-packages"
            for p in paths
            if p.startswith(prefix) and "/site-packages/" in p
        }
    )
    found = []
    for relative in (c for c in context if c.endswith(".py")):
        installed = relative.removeprefix("src/")
        candidates = [f"{s}/{installed}" for s in site_packages]
        candidates.append(posixpath.join(workdir.strip("/"), relative))
        found += [c for c in candidates if c in paths][:1]
    return found


def _startup_line_seconds(subject: Subject, params: Params) -> float | None:
    # No request may reach the server first: uvicorn's access log flushes
    # stdout and would carry a buffered line out with it.
    container = subject.start(RunOptions(no_healthcheck=True))
    started = time.monotonic()

    def logged() -> float | None:
        seen = params.startup_line in container.logs_tail(200)
        return time.monotonic() - started if seen else None

    return poll(logged, subject.budget(params.startup_within_s).seconds, every_s=0.2)


def check(subject: Subject, params: Params) -> str | Measured:
    # The proof first: a buffered stdout shows up here as a missing log line.
    value = ""
    if params.startup_line:
        seconds = _startup_line_seconds(subject, params)
        if seconds is None:
            raise PropertyFailed(
                f"env: the start-up line {params.startup_line!r} did not reach `docker logs` "
                f"within {subject.budget(params.startup_within_s)}: stdout is buffered"
            )
        value = f", log in {seconds:.1f}s"
    env = subject.image_attrs()["Config"].get("Env") or []
    missing = [item for item in params.required if item not in env]
    if missing:
        raise PropertyFailed(f"env: the image does not set {', '.join(missing)}")
    venv = params.venv or subject.venv()
    if venv is None:
        return f"no virtualenv (system site-packages){value}"
    path = next((e.split("=", 1)[1] for e in env if e.startswith("PATH=")), "")
    venv_bin = venv.rstrip("/") + "/bin"
    if path.split(":")[0] != venv_bin:
        raise PropertyFailed(f"env: PATH starts with {path.split(':')[0]!r}, expected {venv_bin}")
    if not params.min_compiled:
        return f"{venv} first on PATH{value}"
    entries, tag = subject.files(), subject.python_tag()
    compiled, total = compiled_share(entries, venv, tag)
    share = compiled / total if total else 0.0
    if share < params.min_compiled:
        raise PropertyFailed(
            f"env: {compiled} of {total} site-packages .py files are precompiled ({share:.0%}), "
            f"expected at least {params.min_compiled:.0%} (UV_COMPILE_BYTECODE=1)"
        )
    workdir = subject.image_config().get("WorkingDir") or "/"
    own = app_modules(entries, venv, workdir, subject.context_files())
    paths = {e.path for e in entries}
    own_compiled = [m for m in own if _is_compiled(m, paths, tag)]
    own_share = len(own_compiled) / len(own) if own else 1.0
    if own_share < params.min_app_compiled:
        missing = ", ".join(m for m in own if m not in own_compiled)
        raise PropertyFailed(
            f"env: {len(own_compiled)} of the app's own {len(own)} modules are precompiled, "
            f"expected at least {params.min_app_compiled:.0%}: no .pyc for {missing} "
            "(install the project non-editable into the venv, with UV_COMPILE_BYTECODE=1)"
        )
    return Measured(
        f"{share:.0%} precompiled ({compiled}/{total}; the app's own "
        f"{len(own_compiled)}/{len(own)}){value}",
        {"compiled_share": share, "app_compiled": len(own_compiled), "app_modules": len(own)},
    )


PROPERTY = Property("env", "unbuffered, no .pyc writes, venv on PATH, precompiled", Params, check)
