"""What a Dockerfile and its build context say about the service, for a zero-config run.

`shipshape verify PATH` and `shipshape init PATH` start here: from the
Dockerfile model and the files of the context, each value a property needs
is inferred with the place it came from (`EXPOSE 8080 (Dockerfile:14)`).
What cannot be inferred is left to the property's universal promise (never
root, a HEALTHCHECK that turns healthy, all interfaces, the server as PID 1,
SIGTERM within budget...), and the manifest says so in a comment.
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from shipshape.dockerfile import Dockerfile, Instruction, Stage, parse

# Servers people run FastAPI under, and the port each listens on by default.
SERVERS = {"uvicorn": 8000, "gunicorn": 8000, "fastapi": 8000, "hypercorn": 8000,
           "granian": 8000, "daphne": 8000}  # fmt: skip
SHELLS = {"sh", "bash", "dash", "ash", "zsh", "busybox"}
# Inits that forward SIGTERM to their child and reap zombies.
INITS = {"tini", "tini-static", "dumb-init", "catatonit", "docker-init"}
# Programs that start the server as their own child instead of exec'ing it.
RUNNERS = {"uv", "uvx", "poetry", "pipenv", "pdm", "hatch", "rye", "npm", "su", "gosu", "sudo"}
LOCKFILES = ("uv.lock", "poetry.lock", "pdm.lock", "requirements.txt")
# A dependency install, as people write it: from a lock or requirements
# first; a bare `pip install <tool>` (poetry, uv) only when nothing else is.
INSTALLS = (
    re.compile(
        r"\b(uv\s+sync|poetry\s+install|pdm\s+(install|sync)|pipenv\s+install"
        r"|(uv\s+)?pip3?\s+install\b[^&;|]*(\s-r\s*|--requirement|\s\.(\s|$)|--prefix))"
    ),
    re.compile(r"\b(uv\s+pip\s+install|pip3?\s+install)\b"),
)
HEALTH_URL = re.compile(r"https?://[^/\s'\"]+(/[^\s'\")]*)")
PORT_FLAGS = ("--port", "-p")
BIND_FLAGS = ("--bind", "-b")


@dataclass(frozen=True)
class Inferred:
    """A value and where it came from, for the manifest's comments and the report."""

    value: object
    source: str


@dataclass(frozen=True)
class Inference:
    dockerfile: Path
    context: Path
    target: str | None
    python: Inferred
    server: Inferred  # the server's program or module name ("" = unknown)
    port: Inferred
    health_path: Inferred  # None value: no HEALTHCHECK URL to take it from
    lockfile: Inferred  # a file name, or None
    install_step: Inferred  # the install RUN's text, or None
    source_file: Inferred  # a context path copied after the install, or None
    user: Inferred
    hadolint_config: Path | None = None
    notes: tuple[str, ...] = field(default=())

    def summary(self) -> list[str]:
        """One line per inferred value: what and from where."""
        rows = [
            ("python", self.python),
            ("server", self.server),
            ("port", self.port),
            ("health path", self.health_path),
            ("user", self.user),
            ("lock file", self.lockfile),
            ("dependency step", self.install_step),
            ("source file for cache", self.source_file),
        ]
        lines = [f"{name}: {_shown(item.value)}  <- {item.source}" for name, item in rows]
        return lines + list(self.notes)


def _shown(value: object) -> str:
    if value is None or value == "":
        return "(none)"
    text = str(value)
    return text if len(text) <= 70 else text[:67] + "..."


def _where(dockerfile: Path, instruction: Instruction) -> str:
    return f"{instruction.keyword} ({dockerfile.name}:{instruction.line})"


# ------------------------------------------------------------------ command


def _argv(instruction: Instruction) -> list[str]:
    """An exec-form instruction's words, or a shell-form one as `sh -c <text>`."""
    words = instruction.exec_form()
    return words if words is not None else ["/bin/sh", "-c", instruction.arguments]


def command_of(model: Dockerfile, target: str | None) -> tuple[list[str], str]:
    """ENTRYPOINT + CMD as the engine runs them, and where they were written."""
    entrypoints = model.instructions(target, "ENTRYPOINT")
    cmds = model.instructions(target, "CMD")
    argv: list[str] = []
    where = []
    if entrypoints:
        argv += _argv(entrypoints[-1])
        where.append(f"ENTRYPOINT line {entrypoints[-1].line}")
    # A CMD from before the last ENTRYPOINT's stage is reset by it; close enough here.
    if cmds:
        argv += _argv(cmds[-1])
        where.append(f"CMD line {cmds[-1].line}")
    return argv, " + ".join(where) or "no CMD or ENTRYPOINT"


def server_argv(argv: list[str]) -> list[str]:
    """The server's own words: inits, `sh -c "exec ..."`, `uv run` and `python -m` peeled off."""
    words = list(argv)
    while words:
        name = Path(words[0]).name
        if name in INITS:
            words = [w for w in words[1:] if w != "--"] if "--" in words[:3] else words[1:]
        elif name in SHELLS and len(words) > 2 and words[1] == "-c":
            words = shlex.split(words[2].split("&&")[-1].split(";")[-1])
        elif name == "exec":
            words = words[1:]
        elif name in RUNNERS and len(words) > 1 and words[1] == "run":
            words = [w for w in words[2:] if not w.startswith("-")][:1] + words[3:]
        elif name.startswith("python") and len(words) > 2 and words[1] == "-m":
            words = words[2:]
        else:
            return words
    return words


def server_name(argv: list[str]) -> str:
    words = server_argv(argv)
    return Path(words[0]).name if words else ""


def _option(words: list[str], flags: Iterable[str]) -> str | None:
    for i, word in enumerate(words):
        for flag in flags:
            if word == flag and i + 1 < len(words):
                return words[i + 1]
            if word.startswith(flag + "="):
                return word.split("=", 1)[1]
    return None


def _env_value(model: Dockerfile, target: str | None, name: str) -> tuple[str, str] | None:
    """The built stage's value of ENV `name` (as the model expanded it), and where it is set."""
    value = model.stage(target).env.get(name)
    if value is None:
        return None
    defines = re.compile(rf"(^|\s){re.escape(name)}(=|\s)")
    setting = next(
        i for i in reversed(model.instructions(target, "ENV")) if defines.search(i.arguments)
    )
    return value, _where(Path(model.source), setting)


def _resolve_port(text: str, model: Dockerfile, target: str | None) -> tuple[int, str] | None:
    text = text.rsplit(":", 1)[-1]
    if match := re.fullmatch(r"\$\{?(\w+)(?::-(\d+))?\}?", text):
        found = _env_value(model, target, match[1])
        if found and found[0].isdigit():
            return int(found[0]), f"ENV {match[1]}={found[0]} via ${match[1]}"
        if match[2]:
            return int(match[2]), f"the default in ${{{match[1]}:-{match[2]}}}"
        return None
    return (int(text), "") if text.isdigit() else None


def _config_file_port(context: Path, words: list[str]) -> tuple[int, str] | None:
    """gunicorn's `-c gunicorn.conf.py` with `bind = "0.0.0.0:8000"` in it."""
    config = _option(words, ("-c", "--config"))
    path = context / config.removeprefix("python:") if config else context / "gunicorn.conf.py"
    if not path.is_file():
        return None
    match = re.search(r"^bind\s*=\s*[\[\"']*[^:\"'\]]*:(\d+)", path.read_text(), re.MULTILINE)
    return (int(match[1]), f"bind in {path.name}") if match else None


def infer_port(
    model: Dockerfile, target: str | None, context: Path, argv: list[str], where: str
) -> Inferred:
    words = server_argv(argv)
    for flags in (PORT_FLAGS, BIND_FLAGS):
        raw = _option(words, flags)
        if raw is not None and (found := _resolve_port(raw, model, target)):
            port, how = found
            return Inferred(port, f"{flags[0]} {raw} in {where}" + (f" ({how})" if how else ""))
    name = Path(words[0]).name if words else ""
    if name == "gunicorn" and (found := _config_file_port(context, words)):
        return Inferred(found[0], found[1])
    env_port = _env_value(model, target, "PORT")
    if env_port and env_port[0].isdigit():
        return Inferred(int(env_port[0]), f"ENV PORT ({env_port[1]})")
    exposed = model.instructions(target, "EXPOSE")
    if exposed:
        first = exposed[-1].arguments.split()[0].split("/")[0]
        if first.isdigit():
            return Inferred(int(first), _where(Path(model.source), exposed[-1]))
    if name in SERVERS:
        return Inferred(SERVERS[name], f"{name}'s default port")
    return Inferred(8000, "nothing says: assumed 8000")


# -------------------------------------------------------------- build facts


def infer_health_path(model: Dockerfile, target: str | None, dockerfile: Path) -> Inferred:
    checks = model.instructions(target, "HEALTHCHECK")
    if not checks or checks[-1].arguments.strip().upper().startswith("NONE"):
        return Inferred(None, "no HEALTHCHECK: the root is asked, any answer counts")
    match = HEALTH_URL.search(checks[-1].arguments)
    if match:
        return Inferred(match[1], f"the URL in HEALTHCHECK ({dockerfile.name}:{checks[-1].line})")
    return Inferred(None, "HEALTHCHECK names no URL: the root is asked, any answer counts")


PYTHON_IN_IMAGE = (r"python:(\d+\.\d+)", r"uv:python(\d+\.\d+)", r"python(\d+\.\d+)")


def _python_of_image(image: str) -> str | None:
    for pattern in PYTHON_IN_IMAGE:
        if match := re.search(pattern, image):
            return match[1]
    return None


def _python_copied_into_scratch(model: Dockerfile, target: str | None) -> Inferred | None:
    """A `FROM scratch` runtime holds the interpreter of the stages it copies from.

    Only when those stages agree on one version: two would leave it unsaid.
    """
    stages = model.ancestry(target)
    used = {index for stage in stages for index in stage.uses}
    found: dict[str, tuple[Stage, str]] = {}
    for index in sorted(used):
        base = model.lineage(model.stages[index])[-1].base
        if version := _python_of_image(base):
            found.setdefault(version, (model.stages[index], base))
    if len(found) != 1:
        return None
    ((version, (stage, base)),) = found.items()
    name = stage.name or f"#{stage.index}"
    return Inferred(version, f"a scratch runtime copying from stage {name} ({base})")


def infer_python(model: Dockerfile, target: str | None) -> Inferred:
    base = model.final_base(target)
    if base and (version := _python_of_image(base)):
        return Inferred(version, f"the base image {base}")
    found = _env_value(model, target, "PYTHON_VERSION")
    if found and (match := re.match(r"(\d+\.\d+)", found[0])):
        return Inferred(match[1], f"ENV PYTHON_VERSION ({found[1]})")
    if base is None and (copied := _python_copied_into_scratch(model, target)):
        return copied
    return Inferred("3.15", f"the base image {base or '(none)'} does not say: assumed 3.15")


def infer_lockfile(context: Path) -> Inferred:
    for name in LOCKFILES:
        if (context / name).is_file():
            return Inferred(name, f"{name} in the build context")
    requirements = sorted(context.glob("requirements*.txt"))
    if requirements:
        return Inferred(requirements[0].name, "in the build context")
    return Inferred(None, "no lock file in the build context")


def infer_install_step(model: Dockerfile, dockerfile: Path) -> Inferred:
    """The first RUN that installs the dependencies, in any stage."""
    runs = [i for stage in model.stages for i in stage.instructions if i.keyword == "RUN"]
    for pattern in INSTALLS:
        for instruction in runs:
            text = " ".join([instruction.arguments, *instruction.heredocs])
            if match := pattern.search(text):
                words = _install_words(match[0].split()[0], text[match.start() :])
                return Inferred(words, _where(dockerfile, instruction))
    return Inferred(None, "no RUN installs dependencies (uv sync, pip install, poetry install)")


def module_file(context: Path, argv: list[str]) -> Path | None:
    """The file of the server's `module:app` argument, if the context has it."""
    for word in server_argv(argv)[1:]:
        if re.fullmatch(r"[\w.]+:\w+", word):
            relative = Path(*word.split(":")[0].split(".")).with_suffix(".py")
            for candidate in (context / relative, context / "src" / relative):
                if candidate.is_file():
                    return candidate
        elif word.endswith(".py") and (context / word).is_file():
            return context / word
    return None


def infer_source_file(context: Path, argv: list[str]) -> Inferred:
    found = module_file(context, argv)
    if found:
        return Inferred(str(found.relative_to(context)), "the server's app module")
    candidates = sorted(
        p
        for p in context.rglob("*.py")
        if not {".venv", "tests", "__pycache__"} & set(p.relative_to(context).parts)
    )
    if candidates:
        return Inferred(str(candidates[0].relative_to(context)), "the first .py of the context")
    return Inferred(None, "the context has no .py file")


def infer_user(model: Dockerfile, target: str | None, dockerfile: Path) -> Inferred:
    users = model.instructions(target, "USER")
    if not users:
        return Inferred("", "no USER: root")
    return Inferred(users[-1].arguments.strip(), _where(dockerfile, users[-1]))


def infer(dockerfile: Path, context: Path, target: str | None = None) -> Inference:
    """Everything a zero-config run needs to know, each value with its source."""
    model = parse(dockerfile.read_text(encoding="utf-8"), {}, source=str(dockerfile))
    argv, where = command_of(model, target)
    server = server_name(argv)
    hadolint = next(
        (p for p in (context / ".hadolint.yaml", context / ".hadolint.yml") if p.is_file()), None
    )
    notes = [
        "k8s-consistent: off (no Kubernetes Deployment given)",
        "hardened: the restricted profile alone (no Deployment)",
        "env: no start-up line to follow, no precompiled-bytecode promise",
        "sigterm: no slow route to prove in-flight requests with",
    ]
    return Inference(
        dockerfile=dockerfile,
        context=context,
        target=target,
        python=infer_python(model, target),
        server=Inferred(server, f"{where}: `{' '.join(argv)[:60]}`"),
        port=infer_port(model, target, context, argv, where),
        health_path=infer_health_path(model, target, dockerfile),
        lockfile=infer_lockfile(context),
        install_step=infer_install_step(model, dockerfile),
        source_file=infer_source_file(context, argv),
        user=infer_user(model, target, dockerfile),
        hadolint_config=hadolint,
        notes=tuple(notes),
    )


# ----------------------------------------------------------------- manifest


def _install_words(step: str | None, text: str) -> str | None:
    """The install command as BuildKit shows it: from the match to the end of its command."""
    if step is None:
        return None
    start = text.find(step)
    rest = re.split(r"&&|;|\|\||\n", text[start:])[0]
    return " ".join(rest.split())


def manifest_text(inference: Inference, *, relative: bool) -> str:
    """The manifest a zero-config run uses, each inferred value commented with its source.

    `relative`: paths relative to the Dockerfile's folder (for `init`, which
    writes the file there); else absolute (a manifest kept in the cache).
    """
    folder = inference.dockerfile.parent

    def path(p: Path) -> str:
        if not relative:
            return str(p.resolve())
        try:
            return str(p.resolve().relative_to(folder.resolve())) or "."
        except ValueError:
            return str(p.resolve())

    name = re.sub(r"[^\w.-]", "-", inference.context.resolve().name) or "service"
    lockfile = inference.lockfile.value
    listen = f"port: {inference.port.value}"
    if inference.health_path.value:
        listen += f", path: {inference.health_path.value}"
    pid1 = f"process: [{inference.server.value}]" if inference.server.value else ""
    cache_parts = []
    if inference.install_step.value:
        cache_parts.append(f"install_step: {_yaml_str(str(inference.install_step.value))}")
    if inference.source_file.value:
        cache_parts.append(f"source_files: [{_yaml_str(str(inference.source_file.value))}]")
    config = inference.hadolint_config
    lint = f"hadolint_config: {path(config)}" if config else ""
    target = f"\n    target: {inference.target}" if inference.target else ""
    lines = [
        f"# shipshape manifest inferred from {inference.dockerfile.name} by `shipshape init`.",
        "# Each inferred value says where it came from; properties without values",
        "# hold the universal promise (non-root numeric user, a HEALTHCHECK that turns",
        "# healthy, all interfaces, the server as PID 1, SIGTERM within 5 s, no build",
        "# tools, secrets or setuid files). Edit freely: `shipshape verify` reads it.",
        *(f"#   {note}" for note in inference.notes),
        "apps:",
        "  context:",
        f"    path: {path(inference.context)}",
        f"    lockfile: {lockfile if lockfile else 'null'}   # {inference.lockfile.source}",
        "variants:",
        f"  {name}:",
        f"    dockerfile: {path(inference.dockerfile)}{target}",
        "    apps: [context]",
        f'    python: ["{inference.python.value}"]   # {inference.python.source}',
        "    properties:",
        f"      lint: {{{lint}}}",
        "      build: {}",
        f"      user: {{}}   # the image's USER {inference.user.value or '(none)'}: "
        f"{inference.user.source}",
        "      healthy: {}",
        f"      listen: {{{listen}}}   # port: {inference.port.source}; path: "
        f"{inference.health_path.source}",
        f"      pid1: {{{pid1}}}   # {inference.server.source}",
        "      sigterm: {}",
        "      no-build-tools: {}",
        "      no-setuid: {}",
        "      size: {}",
        "      no-leaks: {}",
        "      no-root-writes: {}   # the image's WORKDIR and virtualenv, as its own USER",
        "      labels: {}",
        "      env: {}",
        f"      cache: {{{', '.join(cache_parts)}}}   # {inference.install_step.source}; "
        f"{inference.source_file.source}",
        "      hardened: {}",
    ]
    return "\n".join(lines) + "\n"


def _yaml_str(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'
