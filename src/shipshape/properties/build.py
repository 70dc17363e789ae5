"""build: the image builds from a clean context, with the lockfile frozen.

Frozen means a stale lock must fail the build: the check copies the app,
adds to `pyproject.toml` a dependency that is not in `uv.lock`'s root entry
(but is resolvable: it is already locked as a transitive one), and builds
again; the template's `uv sync --locked` must refuse.
"""

import re
import tomllib
from dataclasses import dataclass
from pathlib import Path

from shipshape.errors import PropertyFailed
from shipshape.properties.base import Measured, Property
from shipshape.subject import Subject
from shipshape.text import tail

# uv's message when `--locked` meets a stale lock.
STALE_LOCK_MESSAGE = re.compile(r"lockfile .* needs to be updated", re.IGNORECASE)
DEPENDENCIES = re.compile(r"^(dependencies\s*=\s*\[)", re.MULTILINE)


@dataclass(frozen=True)
class Params:
    # Also prove that a stale uv.lock fails the build (uv apps only).
    stale_lock_fails: bool = True


def make_lock_stale(app: Path) -> str:
    """Add a locked-but-indirect package as a direct dependency; return its name."""
    lock = tomllib.loads((app / "uv.lock").read_text(encoding="utf-8"))
    packages = lock.get("package", [])
    roots = [p for p in packages if {"editable", "virtual"} & set(p.get("source", {}))]
    direct = {d["name"] for root in roots for d in root.get("dependencies", [])}
    root_names = {p["name"] for p in roots}
    candidates = sorted(p["name"] for p in packages if p["name"] not in direct | root_names)
    pyproject = app / "pyproject.toml"
    text = pyproject.read_text(encoding="utf-8")
    if not candidates or not DEPENDENCIES.search(text):
        raise NoStaleLockProbe("no indirect locked package, or no `dependencies = [` to add it to")
    pyproject.write_text(DEPENDENCIES.sub(rf'\1"{candidates[0]}", ', text, count=1), "utf-8")
    return candidates[0]


class NoStaleLockProbe(Exception):
    """The app gives the stale-lock probe nothing to add: the build itself is still judged."""


def _stale_lock_build(subject: Subject) -> tuple[bool, str, str]:
    with subject.context_copy() as app:
        added = make_lock_stale(app)
        probe = subject.probe_build(app)
    return probe.ok, probe.log, added


def check(subject: Subject, params: Params) -> str:
    built = subject.build()
    if not built.ok:
        raise PropertyFailed(
            f"build: `docker buildx build` failed for {subject.target.id}\n"
            f"--- build log (tail) ---\n{tail(built.log, 30)}"
        )
    value = "reused" if built.reused else f"{built.seconds:.1f}s"
    numbers = {} if built.reused else {"seconds": built.seconds}
    lockfile = subject.target.app.lockfile
    if not params.stale_lock_fails:
        return Measured(value, numbers)
    if lockfile != "uv.lock":
        # The stale-lock probe edits pyproject.toml against uv.lock; other
        # lock formats pin in ways the build cannot be shown to enforce here.
        return Measured(f"{value}; no stale-lock probe for {lockfile or 'no lock file'}", numbers)
    try:
        ok, log, added = _stale_lock_build(subject)
    except NoStaleLockProbe as exc:
        return Measured(f"{value}; no stale-lock probe: {exc}", numbers)
    if ok:
        raise PropertyFailed(
            f"build: with '{added}' added to pyproject.toml but not to uv.lock, the build "
            "still succeeded: the lock is not frozen (use `uv sync --locked`)"
        )
    if not STALE_LOCK_MESSAGE.search(log):
        raise PropertyFailed(
            "build: the stale-lock build failed, but not with uv's stale-lock message\n"
            f"--- build log (tail) ---\n{tail(log, 20)}"
        )
    return Measured(value + ", stale lock refused", numbers)


PROPERTY = Property(
    "build", "builds from a clean context; a stale lock fails it", Params, check, cost=3
)
