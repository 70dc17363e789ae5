"""no-build-tools: no uv, compilers, headers or package caches in the runtime image."""

import posixpath
from dataclasses import dataclass

from shipshape.errors import PropertyFailed
from shipshape.properties.base import Property
from shipshape.subject import Entry, Subject
from shipshape.text import listing

BIN_DIRS = ("bin", "sbin", "usr/bin", "usr/sbin", "usr/local/bin", "usr/local/sbin")


@dataclass(frozen=True)
class Params:
    # Program names that must not exist in any bin directory (nor the venv's).
    forbidden: tuple[str, ...] = (
        "uv",
        "uvx",
        "gcc",
        "cc",
        "c++",
        "g++",
        "clang",
        "make",
        "cpp",
        "ld",
        "as",
        "x86_64-linux-gnu-gcc",
        "aarch64-linux-gnu-gcc",
    )
    # Glob patterns of paths that must not exist: compiler internals, C
    # headers, package-manager caches.
    forbidden_paths: tuple[str, ...] = (
        "usr/lib/gcc/*",
        "usr/libexec/gcc/*",
        "usr/include/*.h",
        "usr/include/*/*.h",
        "root/.cache/pip",
        "root/.cache/uv",
        "home/*/.cache/pip",
        "home/*/.cache/uv",
        "tmp/uv-*",
        "root/.cargo/*",
    )
    # A variant's own additions to forbidden_paths (the defaults stay).
    extra_forbidden_paths: tuple[str, ...] = ()
    # Exceptions, e.g. CPython's own headers that the official image ships.
    allowed_paths: tuple[str, ...] = ("usr/local/include/python*",)


def _is_program(entry: Entry) -> bool:
    folder = posixpath.dirname(entry.path)
    return entry.kind != "dir" and (folder in BIN_DIRS or folder.endswith(".venv/bin"))


def findings(entries: list[Entry], params: Params) -> list[str]:
    found = []
    for entry in entries:
        if entry.matches(params.allowed_paths):
            continue
        forbidden_program = (
            _is_program(entry) and posixpath.basename(entry.path) in params.forbidden
        )
        patterns = params.forbidden_paths + params.extra_forbidden_paths
        if forbidden_program or entry.matches(patterns):
            found.append(entry.path)
    return found


def check(subject: Subject, params: Params) -> str:
    entries = subject.files()
    found = findings(entries, params)
    if found:
        raise PropertyFailed(
            f"no-build-tools: {len(found)} build tool/cache path(s) in the runtime image:"
            + listing(found)
        )
    return f"{len(entries)} paths clean"


PROPERTY = Property(
    "no-build-tools", "no uv, compilers, headers or caches in the runtime image", Params, check
)
