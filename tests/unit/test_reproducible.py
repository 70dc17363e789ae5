"""reproducible's judgement, env's count of the app's own modules, and
SOURCE_DATE_EPOCH from git: the parts that need no Docker engine."""

from __future__ import annotations

import io
import json
import subprocess
import tarfile
from pathlib import Path

import pytest

from shipshape.filesystem import Entry, LayerFile, config_digest, layer_files
from shipshape.properties import env, reproducible
from shipshape.vcs import UNCOMMITTED, vcs_facts
from tests.unit.test_layers import (
    OCI_TAR,
    FakeClient,
    archive_of,
    config_of,
    digest,
    legacy_save,
    oci_save,
)


def layer(files: dict[str, tuple[bytes, float]]) -> bytes:
    """A layer tar of regular files: path -> (content, mtime)."""
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w", format=tarfile.PAX_FORMAT) as tar:
        for path, (content, mtime) in files.items():
            info = tarfile.TarInfo(path)
            info.size, info.mtime = len(content), mtime
            tar.addfile(info, io.BytesIO(content))
    return out.getvalue()


def listing(files: dict[str, tuple[bytes, float]]) -> list[dict[str, LayerFile]]:
    return layer_files(FakeClient(legacy_save([layer(files)])), "app:1")  # type: ignore[arg-type]


def test_layer_files_keep_every_position_of_a_repeated_layer() -> None:
    empty, venv = layer({}), layer({"app/.venv/x.py": (b"x = 1\n", 100)})
    saved = legacy_save([venv, empty, empty])
    layers = layer_files(FakeClient(saved), "app:1")  # type: ignore[arg-type]
    assert [list(files) for files in layers] == [["app/.venv/x.py"], [], []]
    assert layers[0]["app/.venv/x.py"].mtime == 100


def test_differing_files_name_content_time_and_presence() -> None:
    (first,) = listing({"a": (b"1", 100), "b": (b"2", 100), "c": (b"3", 100)})
    (second,) = listing({"a": (b"1", 100), "b": (b"2", 200), "c": (b"4", 100), "d": (b"", 1)})
    found = reproducible.differing_files(first, second, limit=10)
    assert found == [
        "b (time 1970-01-01T00:01:40Z vs 1970-01-01T00:03:20Z)",
        "c (content)",
        "d (only in the second build)",
    ]
    assert reproducible.differing_files(first, second, limit=1) == [found[0]]
    assert reproducible.differing_files(first, first, limit=10) == []


def test_describe_layers_names_only_the_differing_positions() -> None:
    same, built_a, built_b = (
        listing({"etc/passwd": (b"app", 0)}),
        listing({"app/built-at": (b"Tue 19:00:01", 0)}),
        listing({"app/built-at": (b"Tue 19:00:15", 0)}),
    )
    lines = reproducible.describe_layers(
        ("sha256:aaa", "sha256:bbb"),
        ("sha256:aaa", "sha256:ccc"),
        same + built_a,
        same + built_b,
        limit=5,
    )
    assert lines == ["layer 2 of 2 (sha256:bbb vs sha256:ccc): app/built-at (content)"]


def entry(path: str) -> Entry:
    return Entry(path, "file", 0o644, 1)


SITE = "app/.venv/lib/python3.15/site-packages"


def test_app_modules_are_found_in_site_packages_with_src_dropped() -> None:
    entries = [
        entry(f"{SITE}/app/main.py"),
        entry(f"{SITE}/app/__pycache__/main.cpython-315.pyc"),
        entry(f"{SITE}/fastapi/__init__.py"),
    ]
    context = ["pyproject.toml", "src/app/main.py", "setup.py"]
    assert env.app_modules(entries, "/app/.venv", "/app", context) == [f"{SITE}/app/main.py"]


def test_app_modules_of_an_editable_install_are_under_the_workdir() -> None:
    # The old template: the project installed editable, /app copied whole.
    entries = [entry("app/app/main.py"), entry(f"{SITE}/_minimal.pth")]
    found = env.app_modules(entries, "/app/.venv", "/app", ["app/main.py", "app/__init__.py"])
    assert found == ["app/app/main.py"]


@pytest.mark.skipif(subprocess.run(["git", "--version"]).returncode != 0, reason="no git")
def test_source_date_epoch_is_the_app_folders_last_commit(tmp_path: Path) -> None:
    def git(*args: str, **env_vars: str) -> None:
        subprocess.run(
            ["git", "-C", str(tmp_path), *args],
            check=True,
            capture_output=True,
            env={"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), **env_vars},
        )

    assert vcs_facts(tmp_path)["SOURCE_DATE_EPOCH"] == UNCOMMITTED["SOURCE_DATE_EPOCH"]
    git("init", "-q")
    (tmp_path / "app").mkdir()
    (tmp_path / "app" / "main.py").write_text("x = 1\n")
    git("add", ".")
    when = "2026-11-24T07:24:39+00:00"
    git(
        "-c",
        "user.name=t",
        "-c",
        "user.email=t@t",
        "commit",
        "-qm",
        "app",
        GIT_COMMITTER_DATE=when,
        GIT_AUTHOR_DATE=when,
    )
    facts = vcs_facts(tmp_path / "app")
    assert facts["SOURCE_DATE_EPOCH"] == "1795505079"
    assert facts["BUILD_DATE"] == when


def test_config_digest_from_either_layout() -> None:
    config = config_of(["PATH=/app/.venv/bin"])
    oci = oci_save([(layer({}), OCI_TAR)], config)
    assert config_digest(FakeClient(oci), "app:1") == digest(config)  # type: ignore[arg-type]
    name = "blobs/sha256/" + digest(config).removeprefix("sha256:")
    manifest = [{"Config": name, "RepoTags": ["app:1"], "Layers": []}]
    classic = archive_of([(name, config), ("manifest.json", json.dumps(manifest).encode())])
    assert config_digest(FakeClient(classic), "app:1") == digest(config)  # type: ignore[arg-type]
