"""One shared container per target: healthy starts and times it, the observers reuse it."""

from __future__ import annotations

from pathlib import Path

import pytest

from shipshape.bases import parse_bases
from shipshape.build import BuildOptions
from shipshape.engine import RunIdentity
from shipshape.manifest import Selection, expand_targets, load_manifest
from shipshape.properties import PARAMS, REGISTRY
from shipshape.subject import Subject
from tests.support.fake_engine import fake_client


def subject_of(tmp_path: Path) -> Subject:
    (tmp_path / "app").mkdir()
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
