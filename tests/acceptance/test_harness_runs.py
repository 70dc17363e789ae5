"""The harness's own promises, proven on the production template in a child run.

- A passing run (with the opt-in SBOM) exits 0 and leaves nothing behind.
- A run interrupted by Ctrl-C (SIGINT) or a cancelled CI job (SIGTERM)
  removes every container, network and volume it created before it exits.
- A run killed outright (SIGKILL) cannot clean up; the next run's start-up
  sweep removes what it left, and says so.

Failing runs leaving nothing behind is asserted for every mutant in
tests/mutants/test_mutants.py.
"""

from __future__ import annotations

import json
import signal
import subprocess
import time
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from shipshape import engine
from tests.support.manifests import write_one_target_manifest
from tests.support.reuse import reads_only_templates

# Its child runs build the production template only.
pytestmark = reads_only_templates("Dockerfile.fastapi")

# The production template on its reference app; no mutation.
PRODUCTION = {"variant": "fastapi", "app": "minimal"}
# Long enough for a cold build of the image on this machine.
FIRST_CONTAINER_WITHIN_S = 600.0
# An interrupted run must own something when the signal comes: a run that
# reuses every stored verdict (any earlier pass of this target, or this
# suite's own: own_gate) starts no container at all, and there would be
# nothing to clean up or sweep.
CHECKS_AFRESH = "--shipshape-fresh"


def production_manifest(repo: Path, folder: Path) -> Path:
    return write_one_target_manifest(repo, "production", PRODUCTION, folder)


def wait_for_resources(child: subprocess.Popen[str], within_s: float) -> list[str]:
    """What the running child owns, as soon as it owns anything (it built and started)."""
    client = engine.connect()
    deadline = time.monotonic() + within_s
    while time.monotonic() < deadline and child.poll() is None:
        owned = engine.owned_by(client, child.pid)
        if owned:
            return owned
        time.sleep(0.2)
    return []


@pytest.mark.engine
def test_passing_run_with_sbom_leaves_nothing(repo: Path, harness, tmp_path: Path) -> None:
    sbom_dir = tmp_path / "sbom"
    junit = tmp_path / "junit.xml"
    run = harness.run(
        production_manifest(repo, tmp_path),
        "--shipshape-sbom",
        str(sbom_dir),
        f"--junitxml={junit}",
        "--shipshape-fresh",
    )
    assert run.exit_code == 0, run.output[-3000:]
    statuses = {r.property: r.status for r in run.records}
    assert statuses["sbom"] == "pass", run.output[-3000:]
    assert "fail" not in statuses.values()
    (sbom,) = sbom_dir.glob("*.cdx.json")
    names = {c["name"] for c in json.loads(sbom.read_text())["components"]}
    assert {"fastapi", "uvicorn"} <= names, f"the SBOM misses the app's dependencies: {names}"
    assert not run.left_behind, f"a passing run left these behind: {run.left_behind}"
    # What a CI dashboard reads: every property a test case of its target, with values.
    cases = list(ET.parse(junit).getroot().iter("testcase"))
    assert {c.get("name") for c in cases} == set(statuses)
    # Grouped by target (the prefix before it depends on the rootdir pytest picks).
    assert all(c.get("classname").endswith("production/minimal/3.15/linux/amd64") for c in cases)
    size = next(c for c in cases if c.get("name") == "size")
    values = {p.get("name"): p.get("value") for p in size.iter("property")}
    assert values["shipshape.status"] == "pass"
    assert (
        "MB (+" in values["shipshape.value"] and "uncompressed layers" in values["shipshape.value"]
    )


@pytest.mark.engine
@pytest.mark.parametrize(
    ("stop_signal", "options"),
    [
        (signal.SIGINT, ()),
        (signal.SIGTERM, ()),
        # The README's command: the workers' containers belong to the run too.
        (signal.SIGTERM, ("-n", "2")),
    ],
    ids=["SIGINT", "SIGTERM", "SIGTERM-xdist"],
)
def test_interrupted_run_leaves_nothing(
    stop_signal: signal.Signals, options: tuple[str, ...], repo: Path, harness, tmp_path: Path
) -> None:
    manifest = production_manifest(repo, tmp_path)
    child = harness.start(manifest, CHECKS_AFRESH, *options, own_gate=True)
    try:
        owned = wait_for_resources(child, FIRST_CONTAINER_WITHIN_S)
        assert owned, "the run never started a container"
        child.send_signal(stop_signal)
        output, _ = child.communicate(timeout=120)
    finally:
        child.kill()
    run = harness.finished(child, manifest, output)
    assert run.exit_code == pytest.ExitCode.INTERRUPTED, run.output[-2000:]
    assert not run.left_behind, (
        f"interrupted by {stop_signal.name} after it had {owned}, "
        f"the run left these behind: {run.left_behind}\n{run.output[-2000:]}"
    )


@pytest.mark.engine
def test_killed_run_is_swept_by_the_next(repo: Path, harness, tmp_path: Path) -> None:
    manifest = production_manifest(repo, tmp_path)
    child = harness.start(manifest, CHECKS_AFRESH, own_gate=True)
    try:
        owned = wait_for_resources(child, FIRST_CONTAINER_WITHIN_S)
        assert owned, "the run never started a container"
        child.send_signal(signal.SIGKILL)
        child.communicate(timeout=60)
    finally:
        child.kill()
    left = engine.owned_by(engine.connect(), child.pid)
    assert left, "SIGKILL cannot be cleaned up after: something must be left to sweep"

    next_run = harness.run(manifest, "--collect-only")
    assert "swept" in next_run.output, next_run.output[-2000:]
    assert engine.owned_by(engine.connect(), child.pid) == [], "the sweep left the dead run's"
