"""no-shell: no shell anywhere in the image, and `docker exec ... sh` fails.

A shell is what an attacker who gets code execution reaches for first
(`sh -c 'curl ... | sh'`), and what a shell-less (distroless-style) image
promises not to have. Two proofs: the exported filesystem (all layers
applied) holds no file named like a shell in any folder, not just on
`$PATH`; and the running container refuses `docker exec` of one, which is
what a person or a compromised orchestrator would try.
"""

import posixpath
from dataclasses import dataclass

from shipshape.errors import PropertyFailed
from shipshape.properties.base import Property
from shipshape.subject import Entry, Subject

# Printed by a shell that `docker exec` managed to start.
MARKER = "shipshape-shell-ran"


@dataclass(frozen=True)
class Params:
    # File names that are shells (or a multi-call binary that is one),
    # wherever they are in the image.
    shells: tuple[str, ...] = (
        "sh",
        "bash",
        "dash",
        "ash",
        "zsh",
        "ksh",
        "mksh",
        "csh",
        "tcsh",
        "fish",
        "busybox",
    )
    # What `docker exec` is asked to run: by name through PATH, and by path.
    exec_as: tuple[str, ...] = ("sh", "/bin/sh")


def findings(entries: list[Entry], params: Params) -> list[str]:
    """Every file or link named like a shell, in any folder."""
    return [
        entry.path
        for entry in entries
        if entry.kind != "dir" and posixpath.basename(entry.path) in params.shells
    ]


def check(subject: Subject, params: Params) -> str:
    # Both proofs always run, so a failure names everything that is wrong.
    entries = subject.files()
    problems = []
    found = findings(entries, params)
    if found:
        problems.append(f"{len(found)} shell(s) in the image's filesystem: " + ", ".join(found))
    container = subject.shared()
    refused = []
    for shell in params.exec_as:
        code, output = container.exec(shell, "-c", f"echo {MARKER}")
        if code == 0 or MARKER in output:
            problems.append(f"`docker exec <container> {shell} -c ...` ran a shell (exit {code})")
        else:
            refused.append(f"{shell}: exit {code}")
    if problems:
        raise PropertyFailed("no-shell: " + "; ".join(problems))
    return f"no shell in {len(entries)} paths; docker exec refused ({', '.join(refused)})"


PROPERTY = Property("no-shell", "no shell in the image; `docker exec ... sh` fails", Params, check)
