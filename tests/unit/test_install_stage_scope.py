"""cache's verdict reads the install stage alone: a runtime-only change keeps it, others do not.

A probe of the dependency install builds the stage that installs (and the
stages it is built from) when that provably gives the same step states as a
build of the whole target (`Subject.install_stage`); its fingerprint then
holds those stages' text, the context, the build args and their bases, and
nothing of the later stages.
"""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

from shipshape.bases import parse_bases
from shipshape.build import BuildOptions, plan_build
from shipshape.engine import RunIdentity
from shipshape.manifest import Selection, expand_targets, load_manifest
from shipshape.properties import PARAMS
from shipshape.properties.cache import Params as Cache
from shipshape.subject import Reads, Subject
from tests.support.fake_engine import fake_client

BUILDER = """\
ARG PYTHON_BASE=python:3.15-slim
FROM ${PYTHON_BASE} AS builder
WORKDIR /app
RUN --mount=type=bind,source=uv.lock,target=uv.lock uv sync --locked --no-install-project
COPY . /app
RUN uv sync --locked --no-editable
"""
RUNTIME = """\
FROM ${PYTHON_BASE} AS runtime
COPY --from=builder /app/.venv /app/.venv
USER 10001:10001
CMD ["uvicorn", "app.main:app"]
"""
MANIFEST = """\
apps:
  web: {path: app, build_args: {APP_VERSION: "%s"}}
variants:
  one: {dockerfile: Dockerfile, apps: [web], properties: {cache: {}, healthy: {}}}
"""
IDS = {"python:3.15-slim": "sha256:base"}


def subject_of(tmp_path: Path, dockerfile: str, version: str = "1") -> Subject:
    app = tmp_path / "app"
    (app / "app").mkdir(parents=True, exist_ok=True)
    (app / "uv.lock").write_text("version = 1\n")
    if not (app / "app" / "main.py").exists():
        (app / "app" / "main.py").write_text("app = None\n")
    (tmp_path / "Dockerfile").write_text(dockerfile)
    (tmp_path / "shipshape.yaml").write_text(MANIFEST % version)
    manifest = load_manifest(tmp_path / "shipshape.yaml", PARAMS)
    (target,) = expand_targets(manifest, Selection(), "linux/amd64")[0]
    options = BuildOptions(cache_dir=tmp_path / "cache", bases=parse_bases(""))
    client = fake_client(IDS)
    subject = Subject(target, client, options, RunIdentity.new())
    subject._plan = plan_build(target, options, client)
    subject._built = SimpleNamespace(ok=True)
    subject._content = "image content"  # what an IMAGE verdict reads; unused by cache's
    return subject


def cache_key(subject: Subject) -> str:
    return subject.fingerprint("cache", Cache(), code="cache", reads=Reads.INSTALL_STAGE)


def test_the_install_stage_is_the_builder_that_copies_the_context(tmp_path: Path) -> None:
    subject = subject_of(tmp_path, BUILDER + RUNTIME)
    assert subject.install_step() == "uv sync --locked --no-install-project"
    assert subject.install_stage("uv sync --locked --no-install-project") == "builder"


def test_a_runtime_only_change_keeps_the_verdict_a_builder_change_does_not(
    tmp_path: Path,
) -> None:
    key = cache_key(subject_of(tmp_path, BUILDER + RUNTIME))
    assert cache_key(subject_of(tmp_path, BUILDER + RUNTIME.replace("10001", "1001"))) == key
    # ... while a verdict on the image sees that change.
    image = subject_of(tmp_path, BUILDER + RUNTIME).fingerprint("healthy", None, code="healthy")
    edited = subject_of(tmp_path, BUILDER + RUNTIME.replace("10001", "1001"))
    assert edited.fingerprint("healthy", None, code="healthy") != image

    builder_edit = BUILDER.replace("WORKDIR /app", "WORKDIR /app\nENV UV_COMPILE_BYTECODE=1")
    assert cache_key(subject_of(tmp_path, builder_edit + RUNTIME)) != key
    global_arg = BUILDER.replace("3.15-slim", "3.14-slim")
    assert cache_key(subject_of(tmp_path, global_arg + RUNTIME)) != key
    assert cache_key(subject_of(tmp_path, BUILDER + RUNTIME, version="2")) != key  # build arg


def test_the_context_and_the_image_building_are_inputs(tmp_path: Path) -> None:
    subject = subject_of(tmp_path, BUILDER + RUNTIME)
    key = cache_key(subject)
    (tmp_path / "app" / "app" / "main.py").write_text("app = 1\n")
    assert cache_key(subject_of(tmp_path, BUILDER + RUNTIME)) != key
    broken = subject_of(tmp_path, BUILDER + RUNTIME)
    before = cache_key(broken)
    broken._built = SimpleNamespace(ok=False)  # the image itself did not build
    assert cache_key(broken) != before


def test_no_install_stage_when_a_probe_of_it_could_differ_from_the_targets(
    tmp_path: Path,
) -> None:
    """Then the whole target is probed, and every change to the Dockerfile is an input."""
    single = BUILDER + 'CMD ["uvicorn", "app.main:app"]\n'  # the install stage is the built one
    unnamed = BUILDER.replace(" AS builder", "") + RUNTIME.replace("--from=builder", "--from=0")
    no_context = BUILDER.replace("COPY . /app\n", "COPY app /app/app\n")
    second_install = RUNTIME.replace("USER", "RUN uv sync --locked --no-install-project\nUSER")
    step = "uv sync --locked --no-install-project"
    for dockerfile in (single, unnamed, no_context + RUNTIME, BUILDER + second_install):
        subject = subject_of(tmp_path, dockerfile)
        assert subject.install_stage(step) is None, dockerfile
        key = cache_key(subject)
        edited = subject_of(tmp_path, dockerfile.replace("CMD [", "EXPOSE 8000\nCMD ["))
        assert cache_key(edited) != key, dockerfile
