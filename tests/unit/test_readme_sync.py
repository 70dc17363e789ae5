"""The README's property table and shipshape.yaml are one truth: drift fails here."""

from __future__ import annotations

from pathlib import Path

import yaml

from shipshape import docs
from tests.support.manifests import absolute_paths


def check(manifest: Path, readme: Path) -> int:
    return docs.main(["--check", "--manifest", str(manifest), "--readme", str(readme)])


def test_readme_table_is_generated_from_the_manifest(repo: Path) -> None:
    assert check(repo / "shipshape.yaml", repo / "README.md") == 0, (
        "README.md's property table differs from shipshape.yaml: run `uv run nox -s readme`"
    )


def test_a_changed_budget_is_drift(repo: Path, tmp_path: Path, capsys) -> None:
    manifest = absolute_paths(yaml.safe_load((repo / "shipshape.yaml").read_text()), repo)
    manifest["defaults"]["properties"]["sigterm"]["within_s"] = 6
    changed = tmp_path / "shipshape.yaml"
    changed.write_text(yaml.safe_dump(manifest))
    assert check(changed, repo / "README.md") == 1
    assert "run `nox -s readme`" in capsys.readouterr().err
