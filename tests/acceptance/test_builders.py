"""--shipshape-builder on real runs, with the real buildx.

What this machine can offer without a registry is the `docker` driver (a
docker-container or remote builder needs the moby/buildkit image or a
buildkitd binary; neither can be had here). So these runs prove:
- a named builder is used for the image and every probe build;
- a docker-driver builder of another docker context (which buildx refuses
  from this one, "use `docker --context=NAME buildx`") stops the run in one
  line before anything builds, saying to use --shipshape-context instead;
- a builder buildx cannot reach stops the run in one line too.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from shipshape import engine
from tests.support.manifests import write_one_target_manifest
from tests.support.reuse import reads_only_templates

# Its child runs build the production template only.
pytestmark = reads_only_templates("Dockerfile.fastapi")

# The properties that build: the image, and the probe builds of edited contexts.
BUILDING = ("build", "cache", "no-leaks")


def docker_context(config_dir: Path, name: str, host: str) -> None:
    command = ["docker", "--config", str(config_dir), "context", "create", name]
    subprocess.run([*command, "--docker", f"host={host}"], check=True, capture_output=True)


@pytest.fixture
def docker_config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A docker CLI config of the test's own: the user's contexts stay untouched."""
    config = tmp_path / "docker-config"
    config.mkdir()
    monkeypatch.setenv("DOCKER_CONFIG", str(config))
    return config


def manifest(repo: Path, folder: Path) -> Path:
    return write_one_target_manifest(repo, "production", {"variant": "fastapi"}, folder)


@pytest.mark.engine
def test_the_named_builder_builds_the_image_and_every_probe(
    repo: Path, harness, tmp_path: Path, docker_config: Path
) -> None:
    # The run's own context: its docker-driver builder is the one buildx accepts.
    context = engine.resolve_engine(None, os.environ, docker_config).name
    # Fresh and in a gate of its own: every build and probe of this run, none shared.
    run = harness.run(
        manifest(repo, tmp_path),
        "--shipshape-builder",
        context,
        "--shipshape-fresh",
        own_gate=True,
    )
    assert run.exit_code == 0, run.output[-3000:]
    statuses = {r.property: r.status for r in run.records}
    assert {statuses[p] for p in BUILDING} == {"pass"}, run.output[-3000:]
    assert "fail" not in statuses.values() and "error" not in statuses.values()
    assert f"builder: {context}" in run.output
    assert not run.left_behind, run.left_behind


@pytest.mark.engine
def test_a_docker_builder_of_another_context_stops_the_run_in_one_line(
    repo: Path, harness, tmp_path: Path, docker_config: Path
) -> None:
    here = engine.resolve_engine(None, os.environ, docker_config).host
    docker_context(docker_config, "shipshape-alias", here)
    # buildx itself refuses it: the refusal is the harness's one line instead.
    refused = subprocess.run(
        ["docker", "buildx", "build", "--builder", "shipshape-alias", "-"],
        input="FROM scratch\n",
        capture_output=True,
        text=True,
        check=False,
    )
    assert refused.returncode != 0 and "--context=shipshape-alias" in refused.stderr
    run = harness.run(manifest(repo, tmp_path), "--shipshape-builder", "shipshape-alias")
    assert run.exit_code == 4, run.output[-3000:]  # pytest's usage error
    assert "--shipshape-builder shipshape-alias: a `docker`-driver builder" in run.output
    assert "--shipshape-context shipshape-alias" in run.output
    assert "Traceback" not in run.output and not run.records and not run.left_behind


@pytest.mark.engine
def test_a_builder_buildx_cannot_reach_stops_the_run_in_one_line(
    repo: Path, harness, tmp_path: Path, docker_config: Path
) -> None:
    # Nothing listens on loopback's discard port: this builder's engine is not there.
    docker_context(docker_config, "shipshape-nowhere", "tcp://127.0.0.1:9")
    run = harness.run(manifest(repo, tmp_path), "--shipshape-builder", "shipshape-nowhere")
    assert run.exit_code == 4, run.output[-3000:]
    assert "--shipshape-builder shipshape-nowhere: buildx cannot use this builder" in run.output
    assert "Traceback" not in run.output and not run.records and not run.left_behind
