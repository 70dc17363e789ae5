"""Same verdicts wherever the engine runs: a remote engine on another host,
classic or containerd image store (`SHIPSHAPE_REMOTE_LEG` says which).

The test host is the network namespace `../shared/env/remote-engine.sh`
makes (tcp://10.250.0.2:2375): its 127.0.0.1 is not ours, so `listen` and
`hardened` must probe from the engine host; its containerd store hands out
compressed layers, so `no-leaks` must decompress them; and `size` must
report the same megabytes as the local classic store.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
import yaml

from shipshape.engine import is_local
from tests.support.manifests import write_one_target_manifest
from tests.support.verdicts import assert_caught

REPO = Path(__file__).resolve().parents[2]
MUTANTS: dict[str, dict[str, Any]] = yaml.safe_load(
    (REPO / "tests" / "mutants" / "mutants.yaml").read_text()
)
# The properties whose machinery depends on where the engine runs.
REMOTE_MUTANTS = (
    "localhost-bind",  # listen + hardened probe the published port from the engine host
    "writes-at-start",  # hardened's read-only run
    "copy-without-dockerignore",  # no-leaks reads the store's (compressed) layers
    "bloat-200mb",  # size measured as uncompressed content on either store
    "uid-1001",  # user: /proc of a container on the remote host
)
# reproducible too: this is where it passes on the containerd store.
PRODUCTION = {"variant": "fastapi", "app": "minimal", "fails": {}, "runs": ["reproducible"]}
# The shell-less template: the engine-host probe runs its image's own Python.
SHELL_LESS = {"variant": "minimal", "app": "minimal", "fails": {}}
CLEAN = {"production": PRODUCTION, "shell-less": SHELL_LESS}
LOCAL_ENGINE = "unix:///var/run/docker.sock"


def test_the_engine_is_remote() -> None:
    host = os.environ.get("DOCKER_HOST", "")
    assert host and not is_local(host), f"DOCKER_HOST={host!r} is not a remote engine"


@pytest.mark.engine
@pytest.mark.parametrize("name", [*CLEAN, *REMOTE_MUTANTS])
def test_same_verdicts_on_the_remote_engine(name: str, harness, tmp_path: Path) -> None:
    spec = CLEAN.get(name) or MUTANTS[name]
    run = harness.run(write_one_target_manifest(REPO, name, spec, tmp_path))
    assert_caught(name, run, spec["fails"])


@pytest.mark.engine
def test_size_is_the_same_megabytes_as_on_the_local_engine(
    harness, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    manifest = write_one_target_manifest(REPO, "production", PRODUCTION, tmp_path)
    remote = {r.property: r for r in harness.run(manifest, "-k", "size").records}["size"]
    monkeypatch.setenv("DOCKER_HOST", LOCAL_ENGINE)
    local = {r.property: r for r in harness.run(manifest, "-k", "size").records}["size"]
    for number in ("size_mb", "base_mb", "added_mb"):
        assert abs(remote.numbers[number] - local.numbers[number]) < 1.0, (
            f"{number}: remote {remote.numbers[number]:.2f} MB, local {local.numbers[number]:.2f}"
        )
