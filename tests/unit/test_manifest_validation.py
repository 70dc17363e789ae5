"""Manifest loading: defaults merged per variant, and one-line errors with file:line."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from shipshape.errors import ConfigError
from shipshape.manifest import Selection, expand_targets, load_manifest
from shipshape.properties import PARAMS

VALID = """\
defaults:
  python: ["3.15", "3.13"]
  platforms: [linux/amd64, linux/arm64]
  build_args: {APP_VERSION: "1.0.0"}
  properties:
    user: {uid: 10001, gid: 10001}
    healthy: {within_s: 10}
    size: {max_added_mb: 60}
apps:
  web: {path: app}
variants:
  prod:
    dockerfile: Dockerfile
    apps: [web]
    build_args: {EXTRA: "x"}
    properties:
      healthy: {within_s: 20}
      size: null
"""


def write(tmp_path: Path, text: str) -> Path:
    (tmp_path / "app").mkdir(exist_ok=True)
    (tmp_path / "app" / "uv.lock").write_text("version = 1\n")
    (tmp_path / "Dockerfile").write_text("FROM python:3.15-slim\n")
    path = tmp_path / "shipshape.yaml"
    path.write_text(textwrap.dedent(text))
    return path


def error_of(tmp_path: Path, text: str) -> str:
    with pytest.raises(ConfigError) as caught:
        load_manifest(write(tmp_path, text), PARAMS)
    message = str(caught.value)
    assert "\n" not in message
    return message


def test_defaults_are_merged_field_by_field(tmp_path: Path) -> None:
    manifest = load_manifest(write(tmp_path, VALID), PARAMS)
    prod = manifest.variants["prod"]
    assert prod.properties["healthy"].within_s == 20.0
    assert prod.properties["user"].uid == 10001
    assert "size" not in prod.properties  # null drops it
    assert prod.build_args == {"APP_VERSION": "1.0.0", "EXTRA": "x"}
    assert prod.python == ("3.15", "3.13")
    assert prod.dockerfile == tmp_path / "Dockerfile"
    assert manifest.apps["web"].path == tmp_path / "app"


@pytest.mark.parametrize(
    ("broken", "line", "expected"),
    [
        (
            VALID.replace("defaults:", "defaultz:"),
            1,
            "unknown key 'defaultz' in the manifest; allowed: apps, defaults, variants",
        ),
        (
            VALID.replace("    dockerfile:", "    dockerfle:"),
            13,
            "unknown key 'dockerfle' in variants.prod",
        ),
        (
            VALID.replace("    healthy: {within_s: 10}", "    healthz: {within_s: 10}"),
            7,
            "unknown key 'healthz' in defaults.properties",
        ),
        (
            VALID.replace("uid: 10001,", "uidd: 10001,"),
            6,
            "unknown parameter 'uidd' of property 'user'; allowed: uid, gid",
        ),
        (
            VALID.replace("within_s: 20", "within_s: soon"),
            17,
            "properties.healthy.within_s must be float, not 'soon'",
        ),
        (VALID.replace("dockerfile: Dockerfile", "dockerfile: Missing"), 13, "no file"),
        (VALID.replace("path: app", "path: nowhere"), 10, "apps.web.path: no folder"),
        (VALID.replace("apps: [web]", "apps: [api]"), 14, "unknown app 'api'; defined apps: web"),
    ],
)
def test_errors_name_file_line_and_allowed_keys(
    tmp_path: Path, broken: str, line: int, expected: str
) -> None:
    message = error_of(tmp_path, broken)
    assert message.startswith(f"{tmp_path / 'shipshape.yaml'}:{line}: ")
    assert expected in message


def test_app_without_lock_file(tmp_path: Path) -> None:
    path = write(tmp_path, VALID)
    (tmp_path / "app" / "uv.lock").unlink()
    with pytest.raises(
        ConfigError, match=r"uv\.lock is missing \(the app must commit its lock file\)"
    ):
        load_manifest(path, PARAMS)


def test_invalid_yaml_and_empty_file(tmp_path: Path) -> None:
    assert "not valid YAML" in error_of(tmp_path, "variants: [unclosed\n")
    assert "manifest is empty" in error_of(tmp_path, "")


def test_targets_default_to_first_python_and_native_platform(tmp_path: Path) -> None:
    manifest = load_manifest(write(tmp_path, VALID), PARAMS)
    targets, unsupported = expand_targets(manifest, Selection(), "linux/arm64")
    assert [str(t.id) for t in targets] == ["prod/web/3.15/linux/arm64"]
    assert unsupported == []


def test_targets_all_and_unsupported(tmp_path: Path) -> None:
    manifest = load_manifest(write(tmp_path, VALID), PARAMS)
    targets, _ = expand_targets(manifest, Selection(pythons=("all",)), "linux/amd64")
    assert [t.python for t in targets] == ["3.15", "3.13"]
    targets, unsupported = expand_targets(manifest, Selection(pythons=("3.12",)), "linux/amd64")
    assert targets == []
    assert "does not support Python 3.12" in unsupported[0].reason


def test_unknown_variant_selected(tmp_path: Path) -> None:
    manifest = load_manifest(write(tmp_path, VALID), PARAMS)
    with pytest.raises(ConfigError, match="unknown variant"):
        expand_targets(manifest, Selection(variants=("nope",)), "linux/amd64")
