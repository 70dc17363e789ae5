"""The pure parts of the shell-less properties, and reading a file in an image with no cat."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from shipshape.filesystem import Entry
from shipshape.properties import no_package_manager, no_shell
from shipshape.run import RunningContainer


def entry(path: str, kind: str = "file") -> Entry:
    return Entry(path, kind, 0o755, 1)


def test_no_shell_finds_a_shell_in_any_folder_but_not_a_folder_named_like_one() -> None:
    entries = [
        entry("bin", "link"),
        entry("usr/bin/dash"),
        entry("bin/sh", "link"),
        entry("opt/tools/busybox"),
        entry("usr/share/bash-completion", "dir"),
        entry("usr/share/zsh", "dir"),
        entry("app/.venv/bin/activate"),  # a script for a shell, not a shell
        entry("app/.venv/bin/activate.fish"),
        entry("usr/bin/python3.15"),
    ]
    assert no_shell.findings(entries, no_shell.Params()) == [
        "usr/bin/dash",
        "bin/sh",
        "opt/tools/busybox",
    ]


def test_no_package_manager_finds_programs_and_the_pip_and_ensurepip_packages() -> None:
    entries = [
        entry("usr/bin/apt-get"),
        entry("usr/bin/dpkg"),
        entry("sbin/apk"),
        entry("app/.venv/bin/pip3.15"),
        entry("usr/local/bin/uv"),
        entry("app/.venv/lib/python3.15/site-packages/pip", "dir"),
        entry("app/.venv/lib/python3.15/site-packages/pip-25.3.dist-info", "dir"),
        entry("usr/lib/python3.15/ensurepip", "dir"),
        entry("usr/share/doc/apt"),  # not a bin dir
        entry("app/.venv/lib/python3.15/site-packages/pipdeptree.py"),
        entry("app/.venv/bin/uvicorn"),
        entry("usr/lib/python3.15/venv", "dir"),
    ]
    assert no_package_manager.findings(entries, no_package_manager.Params()) == [
        "usr/bin/apt-get",
        "usr/bin/dpkg",
        "sbin/apk",
        "app/.venv/bin/pip3.15",
        "usr/local/bin/uv",
        "app/.venv/lib/python3.15/site-packages/pip",
        "app/.venv/lib/python3.15/site-packages/pip-25.3.dist-info",
        "usr/lib/python3.15/ensurepip",
    ]


NOT_FOUND = 'exec: "{0}": executable file not found in $PATH: unknown'


def fake_container(programs: set[str], content: str) -> SimpleNamespace:
    """A container whose `docker exec` finds only `programs` (as the engine answers)."""

    def exec(*command: str, user: str | None = None) -> tuple[int, str]:
        if command[0] not in programs:
            return 126, NOT_FOUND.format(command[0])
        return 0, content

    return SimpleNamespace(exec=exec)


def test_read_file_uses_cat_where_the_image_has_it() -> None:
    container = fake_container({"cat", "python"}, "uvicorn\0app.main:app\0")
    assert RunningContainer.read_file(container, "/proc/1/cmdline") == "uvicorn\0app.main:app\0"


def test_read_file_falls_back_to_the_images_python_without_cat() -> None:
    container = fake_container({"python"}, "Uid:\t10001\n")
    assert RunningContainer.read_file(container, "/proc/1/status") == "Uid:\t10001\n"


def test_read_file_names_every_reader_that_failed() -> None:
    container = fake_container(set(), "")
    with pytest.raises(RuntimeError, match=r"cannot read /proc/1/status.*cat: .*python: "):
        RunningContainer.read_file(container, "/proc/1/status")
