"""Dockerfiles in the styles people really write, and the verdicts they deserve.

Each `tests/corpus/<case>/` is a build context written after a public
pattern (its `case.yaml` says which). `expected.yaml` holds, for every
property, the verdict a careful reviewer would give and a phrase of its
reason; the test runs zero-config `shipshape verify <case>` exactly as a
user would and compares every verdict and reason.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from shipshape.cli import locate
from shipshape.errors import ConfigError
from shipshape.infer import infer, manifest_text
from shipshape.manifest import load_manifest
from shipshape.properties import PARAMS
from tests.support.reuse import reuse_inputs

HERE = Path(__file__).resolve().parent
CASES = sorted(p.parent.name for p in HERE.glob("*/expected.yaml"))


def expected(case: str) -> dict[str, Any]:
    return yaml.safe_load((HERE / case / "expected.yaml").read_text())


def corpus_param(case: str) -> Any:
    """A case's test, reused while its own folder and the harness are unchanged.

    Zero-config verify of a case reads none of the templates, sample apps,
    shipshape.yaml, mutants or other cases.
    """
    others = [f"tests/corpus/{other}/*" for other in CASES if other != case]
    drop = ("dockerfiles/Dockerfile.*", "sample_apps/*", "shipshape.yaml", "tests/mutants/*")
    return pytest.param(case, marks=reuse_inputs(*drop, *others), id=case)


def test_the_corpus_is_there() -> None:
    assert len(CASES) >= 15, f"only {len(CASES)} corpus cases have an expected.yaml"


@pytest.mark.engine
@pytest.mark.parametrize("case", [corpus_param(case) for case in CASES])
def test_zero_config_verdicts(case: str, harness, tmp_path: Path) -> None:
    spec = expected(case)
    run = harness.verify(HERE / case, tmp_path / "report.json")
    assert run.records, f"no report for {case}:\n{run.output[-3000:]}"
    got = {r.property: r for r in run.records}
    wanted: dict[str, dict[str, str]] = spec["verdicts"]
    assert set(got) == set(wanted), (
        f"{case}: properties reported {sorted(got)}, expected.yaml covers {sorted(wanted)}"
    )
    wrong = []
    for prop, verdict in wanted.items():
        record = got[prop]
        said = f"{record.value or ''} {record.message}"
        if record.status != verdict["status"] or verdict.get("reason", "") not in said:
            wrong.append(
                f"{prop}: expected {verdict['status']} ({verdict.get('reason', '')!r}), "
                f"got {record.status}: {said.strip()[:400]}"
            )
    assert not wrong, f"{case}:\n  " + "\n  ".join(wrong)
    assert run.exit_code == (1 if any(v["status"] == "fail" for v in wanted.values()) else 0), (
        run.output[-2000:]
    )
    assert not run.left_behind, f"{case} left these behind: {run.left_behind}"


@pytest.mark.parametrize("case", CASES)
def test_init_writes_the_manifest_verify_uses(case: str, tmp_path: Path) -> None:
    """`shipshape init`'s file (relative paths) and zero-config's (absolute) say the same."""
    dockerfile, context = locate(HERE / case)
    inference = infer(dockerfile, context)
    written = tmp_path / "written" / "shipshape.yaml"
    written.parent.mkdir()
    # init writes beside the Dockerfile; here a copy of its text is loaded in place.
    beside = dockerfile.parent / ".shipshape-init-test.yaml"
    beside.write_text(manifest_text(inference, relative=True))
    try:
        from_init = load_manifest(beside, PARAMS)
    finally:
        beside.unlink()
    written.write_text(manifest_text(inference, relative=False))
    zero_config = load_manifest(written, PARAMS)
    assert from_init.apps == zero_config.apps
    (variant_a,) = from_init.variants.values()
    (variant_b,) = zero_config.variants.values()
    assert variant_a.properties == variant_b.properties
    assert variant_a.dockerfile == variant_b.dockerfile
    assert variant_a.python == variant_b.python


def test_a_folder_without_a_dockerfile_is_one_line(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"no Dockerfile in this folder"):
        locate(tmp_path)
