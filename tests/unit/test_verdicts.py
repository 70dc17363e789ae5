"""Fingerprints: every input a verdict depends on changes it; the store is atomic."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from types import SimpleNamespace

import shipshape.verdicts as verdicts
from shipshape.bases import parse_bases
from shipshape.build import BuildOptions
from shipshape.engine import RunIdentity
from shipshape.manifest import Selection, expand_targets, load_manifest
from shipshape.properties import PARAMS
from shipshape.properties.compose_healthy import Params as ComposeHealthy
from shipshape.properties.hardened import Params as Hardened
from shipshape.subject import Subject
from shipshape.verdicts import VerdictStore, fingerprint, harness_digest, params_input
from tests.support.fake_engine import fake_client

BASE = {"property": "hardened", "target": "t/a/3.15/linux/amd64", "plan": "d1", "engine": "e"}


def test_each_input_changes_the_fingerprint() -> None:
    key = fingerprint(BASE)
    for name, other in (("plan", "d2"), ("engine", "e2"), ("property", "healthy")):
        assert fingerprint({**BASE, name: other}) != key, name
    assert fingerprint(dict(BASE)) == key  # and nothing else does


def test_a_named_files_content_is_an_input(tmp_path: Path) -> None:
    deployment = tmp_path / "deployment.yaml"
    deployment.write_text("readOnlyRootFilesystem: true\n")
    params = Hardened(k8s_manifest=deployment)
    before = fingerprint({**BASE, "params": params_input(params)})
    deployment.write_text("readOnlyRootFilesystem: false\n")
    assert fingerprint({**BASE, "params": params_input(params)}) != before
    budget = dataclasses.replace(params, within_s=30.0)
    assert fingerprint({**BASE, "params": params_input(budget)}) != before


def test_the_harness_code_is_an_input() -> None:
    digest = harness_digest()
    assert len(digest) == 64

    verdicts.harness_digest.cache_clear()
    original = verdicts.PACKAGE
    try:
        verdicts.PACKAGE = Path(__file__).parent  # another "harness"
        assert verdicts.harness_digest() != digest
    finally:
        verdicts.PACKAGE = original
        verdicts.harness_digest.cache_clear()


def fake_harness(root: Path) -> Path:
    """A package of the harness's shape: core modules, two properties, a shared helper."""
    (root / "properties").mkdir(parents=True)
    (root / "build.py").write_text("BUILD = 1\n")
    (root / "properties" / "__init__.py").write_text("from shipshape.properties import a, b\n")
    (root / "properties" / "base.py").write_text("BASE = 1\n")
    (root / "properties" / "support.py").write_text("HELP = 1\n")
    (root / "properties" / "a.py").write_text(
        "from shipshape.properties.base import BASE\n"
        "from shipshape.properties.support import HELP\n"
    )
    (root / "properties" / "b.py").write_text("from shipshape.properties import base\n")
    return root


def test_a_change_to_one_propertys_code_rechecks_only_what_uses_that_code(
    tmp_path: Path, monkeypatch
) -> None:
    monkeypatch.setattr(verdicts, "PACKAGE", fake_harness(tmp_path / "pkg"))

    def keys() -> dict[str, str]:
        verdicts.harness_digest.cache_clear()
        verdicts.property_code_digest.cache_clear()
        return {name: fingerprint(BASE, name) for name in ("a", "b")}

    try:
        before = keys()
        assert before["a"] != before["b"]
        properties = tmp_path / "pkg" / "properties"
        (properties / "b.py").write_text("from shipshape.properties import base\nB = 2\n")
        after_b = keys()
        assert after_b["a"] == before["a"] and after_b["b"] != before["b"]
        # A helper a property imports is that property's code too.
        (properties / "support.py").write_text("HELP = 2\n")
        after_support = keys()
        assert after_support["a"] != after_b["a"] and after_support["b"] == after_b["b"]
        # The core (the registry, base, the build machinery) is every property's input.
        for core in (properties / "base.py", tmp_path / "pkg" / "build.py"):
            last = keys()
            core.write_text(core.read_text() + "# changed\n")
            now = keys()
            assert now["a"] != last["a"] and now["b"] != last["b"], core
    finally:
        verdicts.harness_digest.cache_clear()
        verdicts.property_code_digest.cache_clear()


def test_every_registered_property_names_a_module_with_its_code() -> None:
    from shipshape.properties import REGISTRY

    for prop_id, prop in REGISTRY.items():
        assert (verdicts.PACKAGE / "properties" / f"{prop.module}.py").is_file(), prop_id
        assert prop.module == prop_id.replace("-", "_"), prop_id


def test_the_store_round_trips_and_ignores_a_torn_file(tmp_path: Path) -> None:
    store = VerdictStore(tmp_path)
    store.put("ab" * 32, "1.2s of 10s", {"seconds": 1.2})
    stored = store.get("ab" * 32)
    assert stored and (stored.value, stored.numbers) == ("1.2s of 10s", {"seconds": 1.2})
    assert not list(tmp_path.rglob("*.tmp"))
    (tmp_path / "cd").mkdir()
    (tmp_path / "cd" / f"{'cd' * 32}.json").write_text('{"value": ')  # a killed writer
    assert store.get("cd" * 32) is None


# ------------------------------------------- the stack's bases are inputs too


REPO = Path(__file__).resolve().parents[2]


def stack_fingerprint(prop: str, params: object, ids: dict[str, str], bases: str) -> str:
    manifest = load_manifest(REPO / "shipshape.yaml", PARAMS)
    targets, _ = expand_targets(manifest, Selection(), "linux/amd64")
    (target,) = [t for t in targets if t.variant.name == "stack"]
    options = BuildOptions(cache_dir=REPO / ".shipshape", bases=parse_bases(bases))
    subject = Subject(target, fake_client(ids), options, RunIdentity.new())
    subject._plan = SimpleNamespace(digest="plan")  # the build plan is not the point here
    return subject.fingerprint(prop, params, code=prop.replace("-", "_"), reads_image=False)


STAND_INS = "postgres:16=local/pg:17\nredis:7=local/redis:7\n"
IDS = {"local/pg:17": "sha256:aa", "local/redis:7": "sha256:bb"}


def test_a_rebuilt_or_other_stack_base_rechecks_the_stack_verdicts() -> None:
    params = ComposeHealthy()
    before = stack_fingerprint("compose-healthy", params, IDS, STAND_INS)
    assert before == stack_fingerprint("compose-healthy", params, dict(IDS), STAND_INS)
    rebuilt = {**IDS, "local/pg:17": "sha256:cc"}
    assert before != stack_fingerprint("compose-healthy", params, rebuilt, STAND_INS)
    other = STAND_INS.replace("local/redis:7", "mirror/redis:7")
    assert before != stack_fingerprint(
        "compose-healthy", params, {**IDS, "mirror/redis:7": "sha256:bb"}, other
    )
    assert before != stack_fingerprint("compose-healthy", params, {}, STAND_INS)  # absent


def test_a_stack_base_is_no_input_of_a_verdict_about_the_image_alone() -> None:
    rebuilt = {**IDS, "local/pg:17": "sha256:cc"}
    assert stack_fingerprint("hardened", Hardened(), IDS, STAND_INS) == stack_fingerprint(
        "hardened", Hardened(), rebuilt, STAND_INS
    )
