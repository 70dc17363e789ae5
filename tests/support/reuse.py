"""Engine tests whose every input is unchanged since they passed are not run again.

The harness reuses a property's pass when its fingerprint is unchanged; this
is the same promise for shipshape's own engine tests (mutants, the corpus,
acceptance runs), which are each a child run of the harness costing seconds
to minutes. A test's key is a digest of:
- every file of the repository git would see (tracked, or untracked and not
  ignored), by content: the harness, the tests, templates, apps, the lock;
  but not the repository's prose (`PROSE`: README.md); a test may leave out
  files it provably does not read (`reuse_inputs`);
- the engine (its id, version and image store) and the id of every base
  image the bases file substitutes;
- the Python running the tests and every SHIPSHAPE_* / DOCKER_* variable.

Only a *passing* call is stored, so a failure or a flaky one always runs
again. A reused test passes without running its body and says so: in the
terminal summary (how many, measured when) and in JUnit (`reused`
property). `--shipshape-fresh` or SHIPSHAPE_FRESH=1 runs every test, as the
gate of record (`.ci/run`, the nightly) always does; passes are stored
either way.
"""

from __future__ import annotations

import fnmatch
import hashlib
import json
import os
import platform
import subprocess
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import docker
import pytest
import requests

from shipshape import engine
from shipshape.errors import ConfigError
from shipshape.verdicts import Stored, VerdictStore

REPO = Path(__file__).resolve().parents[2]
# The stash key of a reused test: when its stored pass was measured.
REUSED = pytest.StashKey[str]()
# The stash key of a test that may be stored: its key.
KEY = pytest.StashKey[str]()
ENVIRONMENT_PREFIXES = ("SHIPSHAPE_", "DOCKER_")
# They decide whether to reuse (and whose verdicts), not what a test sees.
NOT_AN_INPUT = ("SHIPSHAPE_FRESH", "SHIPSHAPE_GATE")
# The repository's own prose, which no engine test reads: the harness never
# opens it, and tests/unit/test_readme_sync.py checks the README without an
# engine. (The sample apps' READMEs are in their build contexts: inputs.)
PROSE = ("README.md", ".github/workflows/README.md")


@dataclass(frozen=True)
class Inputs:
    """What one test leaves out of the repository, and what it adds that is not a file."""

    drop: tuple[str, ...] = ()  # fnmatch patterns of repository-relative paths
    extra: Mapping[str, str] | None = None


def reuse_inputs(*drop: str, **extra: str) -> pytest.MarkDecorator:
    """Mark a test as reading none of the files matching `drop`; `extra` replaces them."""
    return pytest.mark.reuse_inputs(Inputs(tuple(drop), dict(extra)))


def reads_only_templates(*read: str) -> pytest.MarkDecorator:
    """Mark an acceptance test as reading, of the repository's templates, only `read`,
    and nothing of the mutants or the corpus: a change to another template leaves it reused."""
    return reuse_inputs(*templates_other_than(read), "tests/mutants/*", "tests/corpus/*")


def templates_other_than(read: Iterable[str]) -> list[str]:
    """The repository paths of every template (dockerfiles/Dockerfile.*) not named in `read`."""
    named = set(read)
    return [
        f"dockerfiles/{path.name}"
        for path in sorted((REPO / "dockerfiles").glob("Dockerfile.*"))
        if path.name not in named
    ]


@cache
def repository_files(root: Path = REPO) -> dict[str, str]:
    """Every file git would see, relative path -> sha256 of its content; {} outside git."""
    try:
        listed = subprocess.run(
            ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
            cwd=root,
            capture_output=True,
            check=True,
        ).stdout.decode()
    except (OSError, subprocess.CalledProcessError):
        return {}  # not a git checkout: the inputs are unknown, so nothing is reused
    files = {}
    for relative in sorted(set(filter(None, listed.split("\0")))):
        path = root / relative
        if path.is_file():  # a tracked file deleted in the work tree is gone
            files[relative] = hashlib.sha256(path.read_bytes()).hexdigest()
    return files


def selected(files: Mapping[str, str], drop: Iterable[str]) -> dict[str, str]:
    patterns = tuple(drop)
    return {
        path: digest
        for path, digest in files.items()
        if not any(fnmatch.fnmatchcase(path, pattern) for pattern in patterns)
    }


def base_image_ids(client: docker.DockerClient, bases: Path | None) -> dict[str, str]:
    """Each substitute the bases file names -> its image id ('' when absent)."""
    if bases is None or not bases.is_file():
        return {}
    ids = {}
    for line in bases.read_text().splitlines():
        if "=" not in line or line.lstrip().startswith("#"):
            continue
        substitute = line.split("=", 1)[1].strip()
        if substitute.startswith("!"):  # "!why": no image for it here, the text is the input
            ids[substitute] = ""
            continue
        try:
            ids[substitute] = client.images.get(substitute).id
        except docker.errors.ImageNotFound:
            ids[substitute] = ""
    return ids


def surroundings(bases: Path | None) -> dict[str, object] | None:
    """The engine, base images, Python and environment; None when no engine answers."""
    try:
        client = engine.connect()
        info = client.info()
        images = base_image_ids(client, bases)
    except (ConfigError, docker.errors.DockerException, requests.exceptions.RequestException):
        # No engine answers: nothing is reused, and the tests say why they fail.
        return None
    environment = {
        name: value
        for name, value in sorted(os.environ.items())
        if name.startswith(ENVIRONMENT_PREFIXES) and name not in NOT_AN_INPUT
    }
    return {
        "engine": [info.get("ID"), info.get("ServerVersion"), info.get("Driver")],
        "containerd_store": engine.uses_containerd_store(info),
        "bases": images,
        "python": [platform.python_implementation(), platform.python_version()],
        "environment": environment,
    }


def outcome_key(nodeid: str, inputs: Inputs, files: Mapping[str, str], around: object) -> str:
    payload = {
        "test": nodeid,
        "files": selected(files, (*PROSE, *inputs.drop)),
        "extra": dict(inputs.extra or {}),
        "around": around,
    }
    return hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()


def inputs_of(item: pytest.Item) -> Inputs:
    marker = item.get_closest_marker("reuse_inputs")
    return marker.args[0] if marker else Inputs()


def mark_reusable(
    items: list[pytest.Item], store: VerdictStore, fresh: bool, bases: Path | None
) -> None:
    """Key every engine test; stash the reused ones (unless fresh) with when they passed."""
    engine_items = [
        item
        for item in items
        if isinstance(item, pytest.Function) and item.get_closest_marker("engine")
    ]
    if not engine_items:
        return
    files = repository_files()
    around = surroundings(bases) if files else None
    if around is None:
        return
    for item in engine_items:
        key = outcome_key(item.nodeid, inputs_of(item), files, around)
        item.stash[KEY] = key
        stored: Stored | None = None if fresh else store.get(key)
        if stored is not None:
            item.stash[REUSED] = stored.measured_at


def is_reused(item: pytest.Item) -> bool:
    return REUSED in item.stash
