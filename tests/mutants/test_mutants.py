"""Every property can fail: each known-bad template is rejected for its cause.

A mutant is one change to a real template (tests/mutants/mutants.yaml),
optionally with a change to the app, the Kubernetes manifest or a Compose
file. The harness runs on the mutants exactly as a user would run it: all of
them in one child `pytest -n 2` of a manifest holding each mutant as a
variant (so workers and identical build stages are shared), except those
that need options of their own, which get a child run each. For every
mutant the report must show `fail` for exactly its properties, each with a
message naming the cause, and no harness error; the run must leave no
container, network or volume behind.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import Any

import pytest
import yaml
from filelock import FileLock

from tests.support.harness import HarnessRun
from tests.support.manifests import write_many_mutants_manifest, write_one_target_manifest
from tests.support.reuse import is_reused, reuse_inputs, templates_other_than
from tests.support.verdicts import assert_caught

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
MUTANTS: dict[str, dict[str, Any]] = yaml.safe_load((HERE / "mutants.yaml").read_text())
SHARED = {name: spec for name, spec in MUTANTS.items() if "options" not in spec}
# All mutants at once: every build, probe build and container of 40 targets.
SHARED_RUN_TIMEOUT_S = 3600


VARIANTS: dict[str, dict[str, Any]] = yaml.safe_load((REPO / "shipshape.yaml").read_text())[
    "variants"
]
# The templates the Compose stack builds (named in its files).
STACK_TEMPLATES = {
    name
    for compose in (REPO / "dockerfiles").glob("docker-compose*.yml")
    for name in re.findall(r"Dockerfile\.[\w-]+", compose.read_text())
}


def templates_read_by(spec: dict[str, Any]) -> set[str]:
    """The template files a mutant's child run reads: its variant's, and its stack's."""
    variant = VARIANTS[spec["variant"]]
    read = {Path(variant["dockerfile"]).name}
    properties = (variant.get("properties") or {}).values()
    if any(isinstance(params, dict) and "compose_file" in params for params in properties):
        read |= STACK_TEMPLATES
    return read


def mutant_param(name: str) -> Any:
    """A mutant's test, reused while its own entry, template and the rest are unchanged.

    It reads no other template and no other mutant's entry, so a change to
    one template re-runs that template's mutants only.
    """
    spec = MUTANTS[name]
    read = templates_read_by(spec)
    drop = ("tests/mutants/mutants.yaml", "tests/corpus/*", *templates_other_than(read))
    return pytest.param(name, marks=reuse_inputs(*drop, mutant=yaml.safe_dump(spec)), id=name)


def selected_mutants(session: pytest.Session) -> dict[str, dict[str, Any]]:
    """The shared mutants this session runs (`-k` narrows the child run too).

    A reused mutant's test does not need the run; when every selected one is
    reused but the shared run's own test is not, all of them run again.
    """
    items = [
        item
        for item in session.items
        if getattr(item, "originalname", None) == "test_mutant_is_caught"
    ]
    to_run = [item for item in items if not is_reused(item)] or items
    return {name: SHARED[name] for name in sorted(i.callspec.params["name"] for i in to_run)}


def shared_run_needed(session: pytest.Session) -> bool:
    """Whether a test of this session that reads the shared run will run (is not reused)."""
    return any(
        not is_reused(item)
        for item in session.items
        if "shared_run" in getattr(item, "fixturenames", ())
    )


# What the fixture gives when every test reading it is reused: none reads it.
NOT_RUN = HarnessRun(-1, "not run: every test that reads it was reused", [], [])


def session_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder of this session that every xdist worker of it shares, and no other session.

    Under xdist each worker's base temp is a `popen-gwN` folder of the
    session's own; without xdist the base temp is the session's, and its
    parent (/tmp/pytest-of-<user>) is shared by every session on the machine:
    a result left there by another run must never be read as this one's.
    """
    basetemp = tmp_path_factory.getbasetemp()
    return basetemp.parent if os.environ.get("PYTEST_XDIST_WORKER") else basetemp


@pytest.fixture(scope="session")
def shared_run(
    request: pytest.FixtureRequest, repo: Path, harness, tmp_path_factory: pytest.TempPathFactory
):
    """The one child run of every selected mutant without options of its own, once per session.

    Under xdist each worker asks for it; the first runs it, the others read
    its result (a file lock in the session's shared temporary folder). Every
    worker collects the same selection, so whichever runs it runs the same set.
    """
    if not shared_run_needed(request.session):
        return NOT_RUN
    shared = session_folder(tmp_path_factory)
    result = shared / "mutants-run.json"
    with FileLock(str(shared / "mutants-run.lock")):
        if not result.exists():
            folder = shared / "mutants"
            folder.mkdir(exist_ok=True)
            mutants = selected_mutants(request.session) or SHARED
            manifest = write_many_mutants_manifest(repo, mutants, folder)
            run = harness.run(
                manifest, "-n", "2", "--dist", "loadgroup", timeout_s=SHARED_RUN_TIMEOUT_S
            )
            result.write_text(json.dumps(run.to_json()))
    return HarnessRun.from_json(json.loads(result.read_text()))


# Every test of the shared run waits for that one child run: on one xdist
# worker (--dist loadgroup), so the other goes on with the rest of the suite.
# The child run is the suite's longest task (about 1100 s fresh, 52 tests):
# its cost mark makes it start first.
SHARED_RUN_GROUP = pytest.mark.xdist_group("mutants-shared-run")
SHARED_RUN_COST = pytest.mark.shipshape_cost(20)


@pytest.mark.engine
@SHARED_RUN_GROUP
@SHARED_RUN_COST
@pytest.mark.parametrize("name", [mutant_param(name) for name in sorted(SHARED)])
def test_mutant_is_caught(name: str, shared_run) -> None:
    assert_caught(name, shared_run.of_variant(name), SHARED[name]["fails"], check_exit=False)


@pytest.mark.engine
@SHARED_RUN_GROUP
@SHARED_RUN_COST
def test_the_shared_run_exits_1_and_leaves_nothing(shared_run) -> None:
    assert shared_run.exit_code == 1, shared_run.output[-2000:]
    assert not shared_run.left_behind, f"the run left these behind: {shared_run.left_behind}"


@pytest.mark.engine
@pytest.mark.parametrize(
    "name", [mutant_param(name) for name in sorted(set(MUTANTS) - set(SHARED))]
)
def test_mutant_with_options_is_caught(name: str, repo: Path, harness, tmp_path: Path) -> None:
    spec = MUTANTS[name]
    # Opt-in properties (e.g. sbom) are asked for as a user would: by option.
    options = [arg.replace("{tmp}", str(tmp_path)) for arg in spec.get("options", [])]
    run = harness.run(write_one_target_manifest(repo, name, spec, tmp_path), *options)
    assert_caught(name, run, spec["fails"])
