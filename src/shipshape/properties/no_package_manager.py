"""no-package-manager: nothing in the image can install software at run time.

No apt, dpkg, apk, pip or uv program, and no pip or ensurepip package that
`python -m pip` / `python -m ensurepip` could run: an attacker with code
execution cannot add tools, and the image stays exactly what was built.
The exported filesystem (all layers applied) is scanned, not `$PATH`.
"""

import fnmatch
import posixpath
from dataclasses import dataclass

from shipshape.errors import PropertyFailed
from shipshape.properties.base import Property
from shipshape.properties.no_build_tools import BIN_DIRS
from shipshape.subject import Entry, Subject
from shipshape.text import listing


@dataclass(frozen=True)
class Params:
    # Glob patterns of program names, in any bin dir or a virtualenv's bin.
    programs: tuple[str, ...] = (
        "apt",
        "apt-*",
        "aptitude",
        "dpkg",
        "dpkg-*",
        "apk",
        "pip",
        "pip[0-9]*",
        "pipx",
        "ensurepip",
        "uv",
        "uvx",
    )
    # Glob patterns of Python packages that install software: pip in any
    # site-packages, ensurepip in any standard library.
    packages: tuple[str, ...] = (
        "*/site-packages/pip",
        "*/site-packages/pip-*.dist-info",
        "*/dist-packages/pip",
        "*/dist-packages/pip-*.dist-info",
        "*/python3*/ensurepip",
    )


def _is_program(entry: Entry) -> bool:
    folder = posixpath.dirname(entry.path)
    return entry.kind != "dir" and (folder in BIN_DIRS or folder.endswith("/bin"))


def findings(entries: list[Entry], params: Params) -> list[str]:
    found = []
    for entry in entries:
        name = posixpath.basename(entry.path)
        program = _is_program(entry) and any(fnmatch.fnmatch(name, p) for p in params.programs)
        if program or entry.matches(params.packages):
            found.append(entry.path)
    return found


def check(subject: Subject, params: Params) -> str:
    entries = subject.files()
    found = findings(entries, params)
    if found:
        raise PropertyFailed(
            f"no-package-manager: {len(found)} package manager path(s) in the image:"
            + listing(found)
        )
    return f"none in {len(entries)} paths"


PROPERTY = Property(
    "no-package-manager",
    "no apt, dpkg, apk, pip, ensurepip or uv in the image",
    Params,
    check,
)
