"""Base-image substitution lines and the FROM lines they apply to."""

from __future__ import annotations

from pathlib import Path

import pytest

from shipshape.bases import load_bases, parse_bases
from shipshape.dockerfile import external_bases, final_base, parse_stages
from shipshape.errors import ConfigError

REPO = Path(__file__).resolve().parents[2]

BASES = """\
# comment
python:3.15-slim=local/python:3.15-slim

ghcr.io/astral-sh/uv:0.13.9=local/uv:0.13.9   # trailing comment
[linux/arm64]
python:3.15-slim=local/arm64/python:3.15-slim
"""


def test_parse_bases_with_platform_sections() -> None:
    bases = parse_bases(BASES)
    assert bases.resolve("python:3.15-slim") == "local/python:3.15-slim"
    assert bases.resolve("python:3.15-slim", "linux/arm64") == "local/arm64/python:3.15-slim"
    assert bases.resolve("ghcr.io/astral-sh/uv:0.13.9", "linux/arm64") == "local/uv:0.13.9"
    assert bases.resolve("redis:7") == "redis:7"


def test_build_context_args_only_for_substituted_refs() -> None:
    args = parse_bases(BASES).build_context_args(["python:3.15-slim", "debian:trixie-slim"])
    assert args == ["--build-context", "python:3.15-slim=docker-image://local/python:3.15-slim"]


def test_malformed_line_names_file_and_line(tmp_path: Path) -> None:
    path = tmp_path / "bases.txt"
    path.write_text("python:3.15-slim=local/python\nno equals sign here\n")
    with pytest.raises(ConfigError, match=rf"^{path}:2: expected 'official=substitute'"):
        load_bases(path)


def test_missing_bases_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="bases file not found"):
        load_bases(tmp_path / "nope.txt")


DOCKERFILE = """\
ARG PYTHON_VERSION=3.13
ARG BASE=python:${PYTHON_VERSION}-slim
ARG TOOL=${MISSING:-ghcr.io/astral-sh/uv:0.13.9}
FROM ${TOOL} AS uv
FROM --platform=$BUILDPLATFORM ${BASE} \\
    AS builder
FROM scratch AS empty
FROM builder AS runtime
"""


def test_parse_stages_expands_global_args() -> None:
    stages = parse_stages(DOCKERFILE, {})
    assert [(s.name, s.base) for s in stages] == [
        ("uv", "ghcr.io/astral-sh/uv:0.13.9"),
        ("builder", "python:3.13-slim"),
        ("empty", "scratch"),
        ("runtime", "builder"),
    ]
    assert external_bases(stages) == ["ghcr.io/astral-sh/uv:0.13.9", "python:3.13-slim"]
    assert final_base(stages) == "python:3.13-slim"
    assert final_base(stages, "uv") == "ghcr.io/astral-sh/uv:0.13.9"


def test_build_args_override_defaults() -> None:
    stages = parse_stages(DOCKERFILE, {"PYTHON_VERSION": "3.15"})
    assert stages[1].base == "python:3.15-slim"


def test_production_template_bases() -> None:
    text = (REPO / "dockerfiles" / "Dockerfile.fastapi").read_text()
    stages = parse_stages(text, {"PYTHON_VERSION": "3.13"})
    assert set(external_bases(stages)) == {"python:3.13-slim", "ghcr.io/astral-sh/uv:0.13.9"}
    assert final_base(stages) == "python:3.13-slim"
