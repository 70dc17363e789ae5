"""The verdict store on real runs: a change re-checks exactly the verdicts it can change.

Two variants build the production template from two copies of it; a few
properties that read the image, run it, or read the Deployment. The runs
share one verdict store (a cache folder of the test's own) and differ by one
edit each:

1. an empty store: everything is checked, once: the two variants are one
   image, so each verdict is checked on one and shared with the other;
2. nothing changed: everything is reused;
3. one template edited: that variant's verdicts are re-checked, the other's reused;
4. the Deployment edited: the verdicts that read it are re-checked on both
   variants, every other one reused.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from shipshape.report import Record
from tests.support.manifests import absolute_paths
from tests.support.reuse import reads_only_templates

# Its child runs build the production template only.
pytestmark = reads_only_templates("Dockerfile.fastapi")

# Cheap, and between them every kind of input: the image's metadata and
# files, a running container, and a named file (the Deployment).
PROPERTIES = ("user", "labels", "no-setuid", "hardened", "k8s-consistent")
READS_DEPLOYMENT = {"hardened", "k8s-consistent"}
VARIANTS = ("one", "two")


def write_manifest(repo: Path, folder: Path) -> Path:
    """Two copies of the production template on the minimal app, one Deployment copy."""
    manifest = absolute_paths(yaml.safe_load((repo / "shipshape.yaml").read_text()), repo)
    defaults = manifest["defaults"]
    deployment = folder / "deployment.yaml"
    deployment.write_text(Path(defaults["properties"]["hardened"]["k8s_manifest"]).read_text())
    properties = {name: dict(defaults["properties"][name]) for name in PROPERTIES}
    for name in READS_DEPLOYMENT:
        properties[name]["k8s_manifest"] = str(deployment)
    template = Path(manifest["variants"]["fastapi"]["dockerfile"]).read_text()
    variants = {}
    for name in VARIANTS:
        dockerfile = folder / f"Dockerfile.{name}"
        dockerfile.write_text(template)
        variants[name] = {"dockerfile": str(dockerfile), "apps": ["minimal"]}
    defaults = {**defaults, "python": defaults["python"][:1], "properties": properties}
    path = folder / "shipshape.yaml"
    path.write_text(
        yaml.safe_dump(
            {
                "defaults": defaults,
                "apps": {"minimal": manifest["apps"]["minimal"]},
                "variants": variants,
            }
        )
    )
    return path


def reuse_by_verdict(records: list[Record]) -> dict[tuple[str, str], bool]:
    return {(r.variant, r.property): r.reused for r in records}


@pytest.fixture
def store_kept_between_runs(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    # .ci/run exports SHIPSHAPE_FRESH=1 (the gate of record reuses nothing);
    # this test is about reuse, so its child runs decide for themselves, and
    # each is a gate of its own: a later run's verdicts are reused, not shared.
    monkeypatch.delenv("SHIPSHAPE_FRESH", raising=False)
    monkeypatch.delenv("SHIPSHAPE_GATE", raising=False)
    yield


@pytest.mark.engine
def test_a_change_rechecks_exactly_the_verdicts_that_depend_on_it(
    repo: Path, harness, tmp_path: Path, store_kept_between_runs: None
) -> None:
    manifest = write_manifest(repo, tmp_path)
    cache = ("--shipshape-cache-dir", str(tmp_path / "cache"))
    every = {(v, p) for v in VARIANTS for p in PROPERTIES}

    shared: dict[tuple[str, str], str | None] = {}

    def run() -> dict[tuple[str, str], bool]:
        result = harness.run(manifest, *cache)
        assert result.exit_code == 0, result.output[-3000:]
        assert {r.status for r in result.records} == {"pass"}, result.output[-3000:]
        assert not result.left_behind, result.left_behind
        reuse = reuse_by_verdict(result.records)
        assert set(reuse) == every, sorted(reuse)
        shared.clear()
        shared.update({(r.variant, r.property): r.shared_from for r in result.records})
        return reuse

    assert not any(run().values()), "an empty store reused a verdict"
    # The two variants are one image: each verdict is checked on one, shared with the other.
    for prop in PROPERTIES:
        sources = {shared[(v, prop)] for v in VARIANTS} - {None}
        assert len(sources) == 1, (prop, shared)
        assert sources.pop().split("/")[0] in VARIANTS
    assert all(run().values()), "nothing changed, yet a verdict was re-checked"

    edited = tmp_path / "Dockerfile.two"
    edited.write_text(edited.read_text() + "\n# a comment: a new template text, a new image tag\n")
    after_template = run()
    assert {key for key, reused in after_template.items() if not reused} == {
        ("two", p) for p in PROPERTIES
    }

    deployment = tmp_path / "deployment.yaml"
    deployment.write_text(deployment.read_text() + "\n# reviewed\n")
    after_deployment = run()
    assert {key for key, reused in after_deployment.items() if not reused} == {
        (v, p) for v in VARIANTS for p in READS_DEPLOYMENT
    }
