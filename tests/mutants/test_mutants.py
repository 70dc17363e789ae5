"""Every property can fail: each known-bad template is rejected for its cause.

A mutant is one change to a real template (tests/mutants/mutants.yaml),
optionally with a change to the app or to the Kubernetes manifest. The
harness is run on it in a child pytest exactly as a user would run it, and
the report must show `fail` for exactly the mutant's properties, each with a
message naming the cause; every other property must not fail. A failing
run must also leave no container, network or volume behind.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.support.manifests import write_one_target_manifest
from tests.support.verdicts import assert_caught

HERE = Path(__file__).resolve().parent
MUTANTS: dict[str, dict[str, Any]] = yaml.safe_load((HERE / "mutants.yaml").read_text())


@pytest.mark.engine
@pytest.mark.parametrize("name", sorted(MUTANTS))
def test_mutant_is_caught(name: str, repo: Path, harness, tmp_path: Path) -> None:
    spec = MUTANTS[name]
    # Opt-in properties (e.g. sbom) are asked for as a user would: by option.
    options = [arg.replace("{tmp}", str(tmp_path)) for arg in spec.get("options", [])]
    run = harness.run(write_one_target_manifest(repo, name, spec, tmp_path), *options)
    assert_caught(name, run, spec["fails"])
