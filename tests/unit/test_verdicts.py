"""Fingerprints: every input a verdict depends on changes it; the store is atomic."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import shipshape.verdicts as verdicts
from shipshape.properties.hardened import Params as Hardened
from shipshape.verdicts import VerdictStore, fingerprint, harness_digest, params_input

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


def test_the_store_round_trips_and_ignores_a_torn_file(tmp_path: Path) -> None:
    store = VerdictStore(tmp_path)
    store.put("ab" * 32, "1.2s of 10s", {"seconds": 1.2})
    stored = store.get("ab" * 32)
    assert stored and (stored.value, stored.numbers) == ("1.2s of 10s", {"seconds": 1.2})
    assert not list(tmp_path.rglob("*.tmp"))
    (tmp_path / "cd").mkdir()
    (tmp_path / "cd" / f"{'cd' * 32}.json").write_text('{"value": ')  # a killed writer
    assert store.get("cd" * 32) is None
