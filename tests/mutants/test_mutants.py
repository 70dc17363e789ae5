"""Every property can fail: each known-bad template is rejected for its cause.

A mutant is one change to a real template (tests/mutants/mutants.yaml). The
harness is run on it in a child pytest exactly as a user would run it, and
the report must show `fail` for exactly the mutant's properties, each with a
message naming the cause; every other property must not fail.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

HERE = Path(__file__).resolve().parent
MUTANTS: dict[str, dict[str, Any]] = yaml.safe_load((HERE / "mutants.yaml").read_text())


def _absolute(repo: Path, value: str) -> str:
    return str((repo / value).resolve())


def mutate(template: str, replacements: list[list[str]]) -> str:
    for old, new in replacements:
        if old not in template:
            pytest.fail(f"mutation no longer applies: {old!r} is not in the template")
        template = template.replace(old, new, 1)
    return template


def write_mutant_manifest(repo: Path, name: str, spec: dict[str, Any], folder: Path) -> Path:
    """A one-variant manifest: the mutated template with its variant's settings."""
    manifest = yaml.safe_load((repo / "shipshape.yaml").read_text())
    variant = dict(manifest["variants"][spec["variant"]])
    dockerfile = folder / f"Dockerfile.{name}"
    template = (repo / variant["dockerfile"]).read_text()
    dockerfile.write_text(mutate(template, spec["replace"]))
    # One app per mutant (the variant's first unless named): the mutation is
    # in the template, so one app proves the property catches it.
    app = spec.get("app", variant["apps"][0])
    variant.update(dockerfile=str(dockerfile), apps=[app], **spec.get("variant_overrides", {}))
    defaults = manifest.get("defaults", {})
    if defaults.get("dockerignore"):
        defaults["dockerignore"] = _absolute(repo, defaults["dockerignore"])
    apps = {
        app: {**spec_, "path": _absolute(repo, spec_["path"])}
        for app, spec_ in manifest["apps"].items()
        if app in variant["apps"]
    }
    path = folder / "shipshape.yaml"
    path.write_text(
        yaml.safe_dump({"defaults": defaults, "apps": apps, "variants": {name: variant}})
    )
    return path


@pytest.mark.engine
@pytest.mark.parametrize("name", sorted(MUTANTS))
def test_mutant_is_caught(name: str, repo: Path, harness, tmp_path: Path) -> None:
    spec = MUTANTS[name]
    run = harness.run(write_mutant_manifest(repo, name, spec, tmp_path))
    assert run.records, f"the harness wrote no report:\n{run.output[-3000:]}"
    failing = run.failing()
    expected = spec["fails"]
    assert set(failing) == set(expected), (
        f"mutant {name}: expected exactly {sorted(expected)} to fail, got {sorted(failing)}\n"
        + "\n".join(f"--- {p}: {m[:600]}" for p, m in failing.items())
    )
    for prop, phrase in expected.items():
        assert phrase in failing[prop], (
            f"{prop} failed, but its message lacks {phrase!r}:\n{failing[prop]}"
        )
    assert run.exit_code == 1, (
        f"the harness must exit 1 on a failing property:\n{run.output[-2000:]}"
    )
