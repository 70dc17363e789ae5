"""What a target's checks share: one container (healthy starts and times it, the observers
reuse it), and a tool's answer on a file, once per gate."""

from __future__ import annotations

from pathlib import Path

import pytest

from shipshape.bases import parse_bases
from shipshape.build import BuildOptions
from shipshape.engine import GATE_VARIABLE, RunIdentity
from shipshape.manifest import Selection, expand_targets, load_manifest
from shipshape.properties import PARAMS, REGISTRY
from shipshape.subject import Subject
from tests.support.fake_engine import fake_client


def subject_of(tmp_path: Path, *, exist_ok: bool = False) -> Subject:
    (tmp_path / "app").mkdir(exist_ok=exist_ok)
    (tmp_path / "app" / "uv.lock").write_text("version = 1\n")
    (tmp_path / "Dockerfile").write_text("FROM python:3.15-slim\n")
    (tmp_path / "shipshape.yaml").write_text(
        "apps: {web: {path: app}}\n"
        "variants: {one: {dockerfile: Dockerfile, apps: [web], properties: {healthy: {}}}}\n"
    )
    manifest = load_manifest(tmp_path / "shipshape.yaml", PARAMS)
    (target,) = expand_targets(manifest, Selection(), "linux/amd64")[0]
    options = BuildOptions(cache_dir=tmp_path / "cache", bases=parse_bases(""))
    return Subject(target, fake_client({}), options, RunIdentity.new())


def test_healthy_starts_the_shared_container_and_the_observers_reuse_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    subject = subject_of(tmp_path)
    started: list[object] = []
    waited: list[object] = []
    monkeypatch.setattr(
        subject, "start", lambda options=None: started.append(object()) or started[-1]
    )
    monkeypatch.setattr(subject, "wait_ready", lambda container: waited.append(container) or True)

    first = subject.start_shared()
    assert first is started[0] and waited == []  # healthy times it from its start: no wait here
    assert subject.start_shared() is None  # started already: healthy would start its own
    assert subject.shared() is first and waited == [first]  # an observer gets it ready
    assert subject.shared() is first and waited == [first] and len(started) == 1


def test_an_observer_that_comes_first_gets_it_started_and_ready(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    subject = subject_of(tmp_path)
    started: list[object] = []
    monkeypatch.setattr(
        subject, "start", lambda options=None: started.append(object()) or started[-1]
    )
    monkeypatch.setattr(subject, "wait_ready", lambda container: True)
    assert subject.shared() is started[0]
    assert subject.start_shared() is None


def test_the_check_that_starts_the_shared_container_is_the_only_one_run_first() -> None:
    assert [p.id for p in REGISTRY.values() if p.starts_shared] == ["healthy"]


def test_a_tool_answer_is_computed_once_per_gate_by_any_process(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """checkov on one Deployment: once for the suite and its child runs, again in the next."""
    calls: list[str] = []

    def checkov() -> list[str]:
        calls.append("checkov")
        return ["checkov CKV_K8S_22 ..."]

    monkeypatch.setenv(GATE_VARIABLE, "suite")
    suite, child = subject_of(tmp_path), subject_of(tmp_path, exist_ok=True)
    inputs = {"sha256": "ab"}
    assert suite.once_per_gate("checkov", inputs, checkov) == ["checkov CKV_K8S_22 ..."]
    assert child.once_per_gate("checkov", inputs, checkov) == ["checkov CKV_K8S_22 ..."]
    assert calls == ["checkov"]
    child.once_per_gate("checkov", {"sha256": "cd"}, checkov)  # other content: computed
    assert len(calls) == 2
    monkeypatch.setenv(GATE_VARIABLE, "next-run")
    subject_of(tmp_path, exist_ok=True).once_per_gate("checkov", inputs, checkov)
    assert len(calls) == 3
