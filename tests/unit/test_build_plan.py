"""Content-hash tags: what changes an image changes its tag, and nothing else does."""

from __future__ import annotations

import subprocess
from pathlib import Path
from types import SimpleNamespace

import pytest

from shipshape.bases import parse_bases
from shipshape.build import BuildOptions, buildx_command, plan_build
from shipshape.manifest import Selection, expand_targets, load_manifest
from shipshape.properties import PARAMS
from tests.support.fake_engine import fake_client as any_client


def fake_client(ids: dict[str, str] | None = None) -> SimpleNamespace:
    return any_client(ids or {"local/python:3.15-slim": "sha256:aaa"})


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / "app" / "app").mkdir(parents=True)
    (tmp_path / "app" / "uv.lock").write_text("version = 1\n")
    (tmp_path / "app" / "app" / "main.py").write_text("app = None\n")
    (tmp_path / "app" / "tests").mkdir()
    (tmp_path / "app" / "tests" / "test_x.py").write_text("x = 1\n")
    (tmp_path / "ignore").write_text("tests\n**/.venv\n")
    (tmp_path / "Dockerfile").write_text(
        "ARG PYTHON_VERSION=3.15\nFROM python:${PYTHON_VERSION}-slim\n"
    )
    (tmp_path / "shipshape.yaml").write_text(
        "defaults: {dockerignore: ignore, build_args: {APP_VERSION: '1'},\n"
        "           platforms: [linux/amd64, linux/arm64]}\n"
        "apps: {web: {path: app}}\n"
        "variants: {prod: {dockerfile: Dockerfile, apps: [web]}}\n"
    )
    return tmp_path


def plan(project: Path, client=None, platform: str = "linux/amd64"):
    manifest = load_manifest(project / "shipshape.yaml", PARAMS)
    (target,) = expand_targets(manifest, Selection(platforms=(platform,)), platform)[0]
    options = BuildOptions(
        cache_dir=project / "cache", bases=parse_bases("python:3.15-slim=local/python:3.15-slim\n")
    )
    return plan_build(target, options, client or fake_client()), options


def test_same_inputs_same_tag(project: Path) -> None:
    first, _ = plan(project)
    again, _ = plan(project)
    assert first.tag == again.tag
    assert first.tag.startswith("shipshape/prod-web:py3.15-amd64-")
    assert len(first.tag.rsplit("-", 1)[-1]) == 12


@pytest.mark.parametrize(
    "change",
    [
        lambda p: (p / "app" / "app" / "main.py").write_text("app = 1\n"),
        lambda p: (p / "Dockerfile").write_text("FROM python:3.15-slim\nUSER 1\n"),
        lambda p: (p / "ignore").write_text("tests\n"),
    ],
    ids=["source", "dockerfile", "dockerignore"],
)
def test_a_change_that_reaches_the_image_changes_the_tag(project: Path, change) -> None:
    before, _ = plan(project)
    change(project)
    assert plan(project)[0].tag != before.tag


def test_ignored_files_do_not_change_the_tag(project: Path) -> None:
    before, _ = plan(project)
    (project / "app" / "tests" / "test_x.py").write_text("x = 2\n")
    (project / "app" / ".venv").mkdir()
    (project / "app" / ".venv" / "junk").write_text("junk")
    assert plan(project)[0].tag == before.tag


def test_platform_and_base_image_id_change_the_tag(project: Path) -> None:
    amd64, _ = plan(project)
    assert plan(project, platform="linux/arm64")[0].digest != amd64.digest
    new_base = fake_client({"local/python:3.15-slim": "sha256:bbb"})
    assert plan(project, client=new_base)[0].digest != amd64.digest


def test_buildx_command(project: Path) -> None:
    the_plan, options = plan(project)
    staged = project / "Dockerfile.staged"
    command = buildx_command(the_plan, options, staged)
    assert command[:3] == ["docker", "buildx", "build"]
    assert "--load" in command and command[command.index("-t") + 1] == the_plan.tag
    assert "python:3.15-slim=docker-image://local/python:3.15-slim" in command
    assert "PYTHON_VERSION=3.15" in command
    probe = buildx_command(the_plan, options, staged, output="cacheonly")
    assert "--output=type=cacheonly" in probe and "--load" not in probe


def test_a_commit_elsewhere_does_not_change_the_tag(project: Path) -> None:
    def git(*args: str) -> None:
        identity = ["-c", "user.name=t", "-c", "user.email=t@example.invalid"]
        subprocess.run(
            ["git", "-C", str(project), *identity, *args], check=True, capture_output=True
        )

    git("init", "-q")
    git("add", "-A")
    git("commit", "-qm", "app and template")
    before = plan(project)[0].tag
    (project / "Dockerfile.other").write_text("FROM python:3.15-slim\n")
    git("add", "-A")
    git("commit", "-qm", "another template")
    assert plan(project)[0].tag == before
    (project / "app" / "app" / "main.py").write_text("app = 1\n")
    git("commit", "-qam", "the app")
    assert plan(project)[0].tag != before


def test_each_target_exports_its_layer_cache_to_a_scope_of_its_own(project: Path) -> None:
    """One shared gha scope keeps only the last export: every build evicts the others."""
    built, options = plan(project)
    other = plan(project, platform="linux/arm64")[0]
    cached = BuildOptions(
        cache_dir=options.cache_dir, bases=options.bases, layer_cache="type=gha,scope=gate-3.15"
    )
    scopes = []
    for one in (built, other):
        command = buildx_command(one, cached, project / "Dockerfile.staged")
        cache_from = command[command.index("--cache-from") + 1]
        cache_to = command[command.index("--cache-to") + 1]
        assert cache_to == f"{cache_from},mode=max"
        scopes.append(cache_from)
    assert scopes[0] != scopes[1]
    assert all(s.startswith("type=gha,scope=gate-3.15-prod-web-3.15-linux-") for s in scopes)


def test_an_uncached_build_waits_for_the_builder_to_itself(tmp_path: Path) -> None:
    """Ordinary builds share the builder; a --no-cache build holds it alone (BuildKit panic)."""
    import threading
    import time

    from shipshape.build import builder_turn

    order: list[str] = []

    def uncached_build() -> None:
        with builder_turn(exclusive=True, lock_dir=tmp_path):
            order.append("uncached")

    # shared: no deadlock
    with (
        builder_turn(exclusive=False, lock_dir=tmp_path),
        builder_turn(exclusive=False, lock_dir=tmp_path),
    ):
        waiter = threading.Thread(target=uncached_build)
        waiter.start()
        time.sleep(0.3)
        order.append("ordinary done")
    waiter.join(timeout=5)
    assert order == ["ordinary done", "uncached"]
