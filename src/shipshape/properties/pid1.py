"""pid1: the server itself is PID 1 (exec-form CMD, no shell in between)."""

import posixpath
from dataclasses import dataclass

from shipshape.errors import PropertyFailed
from shipshape.properties.base import Property
from shipshape.subject import Subject

SHELLS = {"sh", "bash", "dash", "ash", "zsh", "busybox"}


@dataclass(frozen=True)
class Params:
    # Basenames one of which must be PID 1's program or its script.
    process: tuple[str, ...] = ("uvicorn",)


def without_emulator(cmdline: list[str]) -> list[str]:
    """The program's own argv when PID 1 runs under QEMU's binfmt interpreter.

    With binfmt's preserve-argv0 flag the kernel starts
    `<qemu interpreter> <executable path> <argv0> <args...>`.
    """
    if cmdline and "qemu" in cmdline[0]:
        return cmdline[2:]
    return cmdline


def check(subject: Subject, params: Params) -> str:
    config = subject.image_attrs()["Config"]
    argv = (config.get("Entrypoint") or []) + (config.get("Cmd") or [])
    if len(argv) >= 2 and posixpath.basename(argv[0]) in SHELLS and argv[1] == "-c":
        raise PropertyFailed(
            f"pid1: the image starts through a shell ({' '.join(argv)[:120]}): "
            'use exec form, e.g. CMD ["uvicorn", ...], so the server is PID 1'
        )
    container = subject.shared()
    cmdline = without_emulator([a for a in container.read_file("/proc/1/cmdline").split("\0") if a])
    names = [posixpath.basename(a) for a in cmdline[:2]]
    if names and names[0] in SHELLS:
        raise PropertyFailed(f"pid1: PID 1 is a shell: {' '.join(cmdline)[:160]}")
    if not set(names) & set(params.process):
        raise PropertyFailed(
            f"pid1: PID 1 is `{' '.join(cmdline)[:160]}`, expected one of {list(params.process)}"
        )
    return next(n for n in names if n in params.process)


PROPERTY = Property("pid1", "the server is PID 1 (exec-form CMD)", Params, check)
