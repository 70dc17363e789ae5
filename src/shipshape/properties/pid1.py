"""pid1: the server itself is PID 1, so it receives the orchestrator's signals.

Judged on the live process table, not the Dockerfile's text: `python -m
uvicorn ...` and `sh -c "exec uvicorn ..."` both leave the server as PID 1
and pass; a shell, or a runner such as `uv run` that starts the server as
its child, fails. A signal-forwarding init (tini, dumb-init, catatonit) as
PID 1 with the server as its direct child is accepted: it passes SIGTERM on
and reaps zombies, which is why people put it there.
"""

import posixpath
from dataclasses import dataclass

from shipshape.errors import PropertyFailed
from shipshape.infer import INITS, RUNNERS, SHELLS
from shipshape.properties.base import Property
from shipshape.subject import Subject


@dataclass(frozen=True)
class Params:
    # Names one of which the server's program, script or `-m` module must
    # have; empty: any program that is not a shell or a runner.
    process: tuple[str, ...] = ()


def without_emulator(cmdline: list[str]) -> list[str]:
    """The program's own argv when PID 1 runs under QEMU's binfmt interpreter.

    With binfmt's preserve-argv0 flag the kernel starts
    `<qemu interpreter> <executable path> <argv0> <args...>`.
    """
    if cmdline and "qemu" in cmdline[0]:
        return cmdline[2:]
    return cmdline


def program_names(argv: list[str]) -> list[str]:
    """What a process is known as: its program, and for Python its script or -m module."""
    if not argv:
        return []
    names = [posixpath.basename(argv[0])]
    if names[0].startswith("python") and len(argv) > 1:
        rest = argv[1:]
        if rest[0] == "-m" and len(rest) > 1:
            names.append(rest[1])
        elif not rest[0].startswith("-"):
            names.append(posixpath.basename(rest[0]))
    return names


def judge(argv: list[str], process: tuple[str, ...]) -> str | None:
    """Why `argv` is not the server (None when it is)."""
    names = program_names(argv)
    shown = " ".join(argv)[:160]
    if not names:
        return "PID 1 has no command line"
    if names[0] in SHELLS:
        return f"PID 1 is a shell: `{shown}` (it does not forward SIGTERM to the server)"
    if names[0] in RUNNERS:
        return (
            f"PID 1 is `{shown}`: {names[0]} starts the server as its child; "
            "exec the server itself (e.g. the venv's uvicorn)"
        )
    if process and not set(names) & set(process):
        return f"PID 1 is `{shown}`, expected one of {list(process)}"
    return None


def _argv(text: str) -> list[str]:
    return without_emulator([a for a in text.split("\0") if a])


def check(subject: Subject, params: Params) -> str:
    container = subject.shared()
    pid1 = _argv(container.read_file("/proc/1/cmdline"))
    server, via = pid1, ""
    if pid1 and posixpath.basename(pid1[0]) in INITS:
        children = container.read_file("/proc/1/task/1/children").split()
        if len(children) != 1:
            raise PropertyFailed(
                f"pid1: PID 1 is the init `{' '.join(pid1)[:80]}` with {len(children)} "
                "children, expected exactly the server"
            )
        server = _argv(container.read_file(f"/proc/{children[0]}/cmdline"))
        via = f" under {posixpath.basename(pid1[0])} (an init that forwards signals)"
    problem = judge(server, params.process)
    if problem:
        raise PropertyFailed(f"pid1: {problem}{via}")
    names = program_names(server)
    shown = next((n for n in reversed(names) if n in params.process), names[-1])
    config = subject.image_config()
    argv = (config.get("Entrypoint") or []) + (config.get("Cmd") or [])
    if len(argv) >= 2 and posixpath.basename(argv[0]) in SHELLS and argv[1] == "-c":
        via += " (started by `sh -c exec`)"
    return f"{shown}{via}"


PROPERTY = Property("pid1", "the server is PID 1 (exec-form CMD)", Params, check)
