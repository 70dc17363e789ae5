"""The one-target manifests the mutants run on (tests/support/manifests.py)."""

from __future__ import annotations

from pathlib import Path

import yaml

from tests.mutants.test_mutants import MUTANTS
from tests.support.manifests import write_one_target_manifest

REPO = Path(__file__).resolve().parents[2]


def reproducible_of(name: str, spec: dict, folder: Path) -> object:
    folder.mkdir()
    manifest = yaml.safe_load(write_one_target_manifest(REPO, name, spec, folder).read_text())
    return manifest["variants"][name]["properties"].get("reproducible", "absent")


def test_an_uncached_build_runs_only_where_a_mutant_names_it(tmp_path: Path) -> None:
    assert "reproducible" not in MUTANTS["uv-in-runtime"]["fails"]
    assert reproducible_of("uv-in-runtime", MUTANTS["uv-in-runtime"], tmp_path / "a") is None
    named = MUTANTS["build-date-in-image"]
    assert reproducible_of("build-date-in-image", named, tmp_path / "b") == {}
    asked = {"variant": "fastapi", "fails": {}, "runs": ["reproducible"]}
    assert reproducible_of("production", asked, tmp_path / "c") == {}
