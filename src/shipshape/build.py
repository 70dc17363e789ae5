"""Building a target's image with `docker buildx build`.

The Docker SDK's build API is the legacy builder: it cannot do cache or
secret mounts, named build contexts or `--platform`, so builds go through
the buildx CLI. Images are tagged by a content hash of everything that goes
into them, so an unchanged target is not rebuilt; a file lock keyed by that
hash makes parallel xdist workers build each image once.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import re
import shutil
import subprocess
import tempfile
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path

import docker
import docker.errors
from docker.utils.build import exclude_paths
from filelock import FileLock

from shipshape.bases import BaseMap
from shipshape.dockerfile import Dockerfile, parse
from shipshape.manifest import Target
from shipshape.vcs import vcs_facts

STAGED_DOCKERFILE = "Dockerfile"

Progress = Callable[[str], None]


@dataclass(frozen=True)
class BuildOptions:
    """How this run builds, the same for every target."""

    cache_dir: Path
    bases: BaseMap = field(default_factory=BaseMap)
    builder: str | None = None
    # e.g. "type=gha,scope=gate" in CI: passed as --cache-from/--cache-to.
    layer_cache: str | None = None
    extra_build_args: Mapping[str, str] = field(default_factory=dict)
    # BuildKit secrets: id -> file path, passed as --secret id=..,src=..
    secrets: Mapping[str, Path] = field(default_factory=dict)


@dataclass(frozen=True)
class BuildPlan:
    """Everything that decides a target's image, and so its tag."""

    target: Target
    dockerfile_text: str
    dockerignore_text: str | None
    build_args: Mapping[str, str]
    # Official names of every image the build pulls (FROM, COPY --from,
    # RUN --mount from=), as the Dockerfile writes them after ARG expansion.
    bases: tuple[str, ...]
    runtime_base: str | None  # official name of the built stage's base
    digest: str
    # The build context as BuildKit sees it (context_digest), and each base's
    # id here: parts of `digest`, kept for verdicts that read less than the plan.
    context_digest: str = ""
    base_ids: Mapping[str, str] = field(default_factory=dict)

    @property
    def dockerfile(self) -> Dockerfile:
        """The Dockerfile as this plan's build args and platform make it.

        Parsed on each use, not stored: probe builds copy a plan with other
        build args, which may name other images.
        """
        return parse(
            self.dockerfile_text,
            self.build_args,
            source=str(self.target.variant.dockerfile),
            platform=self.target.platform,
        )

    @property
    def tag(self) -> str:
        t = self.target
        arch = t.platform.rsplit("/", 1)[-1]
        return f"shipshape/{t.variant.name}-{t.app.name}:py{t.python}-{arch}-{self.digest[:12]}"


@dataclass
class BuiltImage:
    plan: BuildPlan
    ok: bool
    reused: bool
    seconds: float
    log: str

    @property
    def tag(self) -> str:
        return self.plan.tag


def build_args_for(target: Target, options: BuildOptions) -> dict[str, str]:
    return {
        "PYTHON_VERSION": target.python,
        **vcs_facts(target.app.path),
        **target.variant.build_args,
        **target.app.build_args,
        **options.extra_build_args,
    }


def _context_files(context: Path, ignore_text: str | None) -> list[str]:
    patterns = [
        line.strip()
        for line in (ignore_text or "").splitlines()
        if line.strip() and not line.strip().startswith("#")
    ]
    return sorted(exclude_paths(str(context), patterns))


def context_files(plan: BuildPlan) -> list[str]:
    """The context's files (relative paths) that the plan's .dockerignore lets through."""
    return _context_files(plan.target.app.path, plan.dockerignore_text)


def image_id(client: docker.DockerClient, ref: str) -> str:
    """The local image's id; for one the engine does not hold, the name the builder would pull."""
    try:
        return client.images.get(ref).id
    except docker.errors.ImageNotFound:
        return f"remote:{ref}"  # resolved by the builder; the name is all we know


def plan_build(target: Target, options: BuildOptions, client: docker.DockerClient) -> BuildPlan:
    variant = target.variant
    dockerfile_text = variant.dockerfile.read_text(encoding="utf-8")
    ignore_text = variant.dockerignore.read_text(encoding="utf-8") if variant.dockerignore else None
    if ignore_text is None and (target.app.path / ".dockerignore").is_file():
        ignore_text = (target.app.path / ".dockerignore").read_text(encoding="utf-8")
    args = build_args_for(target, options)
    dockerfile = parse(
        dockerfile_text, args, source=str(variant.dockerfile), platform=target.platform
    )
    bases = tuple(dockerfile.image_references(variant.target))

    digest = hashlib.sha256()

    def feed(*parts: str | bytes) -> None:
        for part in parts:
            digest.update(part if isinstance(part, bytes) else part.encode())
            digest.update(b"\0")

    context = context_digest(target.app.path, ignore_text)
    base_ids = {
        base: image_id(client, options.bases.resolve(base, target.platform)) for base in bases
    }
    feed("dockerfile", dockerfile_text, "context", context)
    feed("args", json.dumps(args, sort_keys=True), target.platform, variant.target or "")
    feed("secrets", json.dumps(sorted(options.secrets)))
    for base, base_id in base_ids.items():
        feed("base", base, base_id)
    return BuildPlan(
        target=target,
        dockerfile_text=dockerfile_text,
        dockerignore_text=ignore_text,
        build_args=args,
        bases=bases,
        runtime_base=dockerfile.final_base(variant.target),
        digest=digest.hexdigest(),
        context_digest=context,
        base_ids=base_ids,
    )


def context_digest(context: Path, ignore_text: str | None) -> str:
    """What BuildKit sees of a build context: the .dockerignore, and every file it lets in."""
    digest = hashlib.sha256()

    def feed(*parts: str | bytes) -> None:
        for part in parts:
            digest.update(part if isinstance(part, bytes) else part.encode())
            digest.update(b"\0")

    feed("ignore", ignore_text or "")
    for relative in _context_files(context, ignore_text):
        path = context / relative
        if path.is_file() and not path.is_symlink():
            feed("file", relative, oct(path.stat().st_mode & 0o111), path.read_bytes())
        elif path.is_symlink():
            feed("link", relative, os.readlink(path))
    return digest.hexdigest()


def buildx_command(
    plan: BuildPlan,
    options: BuildOptions,
    staged_dockerfile: Path,
    *,
    context: Path | None = None,
    output: str | None = None,
    no_cache: bool = False,
    stage: str | None = None,
) -> list[str]:
    """The buildx command for `plan`: loads the tagged image unless `output` says otherwise.

    `no_cache`: no step is taken from the builder's cache (`--no-cache`),
    which is left as it is for every other build; RUN cache mounts stay.
    `stage`: build that stage instead of the target's own.
    """
    target = plan.target
    command = ["docker", "buildx", "build"]
    if options.builder:
        command += ["--builder", options.builder]
    if no_cache:
        command.append("--no-cache")
    command += ["--progress=plain", "--platform", target.platform, "-f", str(staged_dockerfile)]
    command += [f"--output=type={output}"] if output else ["--load", "-t", plan.tag]
    command += ["--label", f"shipshape.variant={target.variant.name}"]
    command += ["--label", f"shipshape.target={target.id}"]
    if stage or target.variant.target:
        command += ["--target", stage or target.variant.target]
    for name, value in plan.build_args.items():
        command += ["--build-arg", f"{name}={value}"]
    for secret_id, path in options.secrets.items():
        command += ["--secret", f"id={secret_id},src={path}"]
    if options.layer_cache and not output:
        layer_cache = target_layer_cache(options.layer_cache, target)
        command += ["--cache-from", layer_cache, "--cache-to", f"{layer_cache},mode=max"]
    # Named contexts replace COPY --from and RUN --mount from= images as
    # well as FROM ones. From the plan's own build args: a probe's may
    # name other images than plan.bases.
    images = plan.dockerfile.image_references(target.variant.target)
    command += options.bases.build_context_args(images, target.platform)
    command.append(str(context or target.app.path))
    return command


def target_layer_cache(spec: str, target: Target) -> str:
    """`spec` with the target's id appended to its `scope=`: one cache per target.

    With one scope shared by every build, each export replaces the last and
    the cache ends up holding one image's layers (BuildKit's gha backend
    keys a cache by its scope). Specs without a scope are passed unchanged.
    """
    slug = re.sub(r"[^A-Za-z0-9._-]+", "-", str(target.id)).strip("-")
    fields = [
        f"{field}-{slug}" if field.startswith("scope=") else field for field in spec.split(",")
    ]
    return ",".join(fields)


def stage_dockerfile(plan: BuildPlan, cache_dir: Path) -> Path:
    """A copy of the Dockerfile with the variant's .dockerignore beside it, in the
    plan's own folder of the cache (every build of the plan writes the same text).

    BuildKit reads `<Dockerfile>.dockerignore` next to the Dockerfile before
    the context's own `.dockerignore`: the shared ignore file applies
    without copying the app into a staging context.
    """
    folder = cache_dir / "dockerfiles" / plan.digest[:16]
    folder.mkdir(parents=True, exist_ok=True)
    return stage_dockerfile_in(plan, folder)


def stage_dockerfile_in(plan: BuildPlan, folder: Path) -> Path:
    """`plan`'s Dockerfile and .dockerignore written into `folder`, as stage_dockerfile."""
    staged = folder / STAGED_DOCKERFILE
    staged.write_text(plan.dockerfile_text, encoding="utf-8")
    ignore = folder / f"{STAGED_DOCKERFILE}.dockerignore"
    if plan.dockerignore_text is not None:
        ignore.write_text(plan.dockerignore_text, encoding="utf-8")
    elif ignore.exists():
        ignore.unlink()
    return staged


def image_exists(client: docker.DockerClient, tag: str) -> bool:
    try:
        client.images.get(tag)
    except docker.errors.ImageNotFound:
        return False
    return True


@contextmanager
def builder_turn(*, exclusive: bool, lock_dir: Path | None = None) -> Iterator[None]:
    """Hold this engine's builder: shared by ordinary builds, alone for an uncached one.

    dockerd 26.1's BuildKit panics (a nil pointer in Job.walkProvenance, and
    the whole engine goes down) when a `--no-cache` build runs beside builds
    that share its steps: seen again and again here on 2026-12-01, always with
    a `reproducible` build in flight. An flock per engine, across every process
    of every run on this machine (xdist workers, the mutants' and the corpus's
    child runs), keeps an uncached build on its own. Every build on the engine
    takes its turn, whichever builder it names (a docker-driver builder is the
    engine's own BuildKit) and whoever starts it (`docker compose up` builds
    too). `lock_dir`: where the lock lives (the temporary folder).
    """
    engine = os.environ.get("DOCKER_HOST") or os.environ.get("DOCKER_CONTEXT") or "default"
    key = hashlib.sha256(engine.encode()).hexdigest()[:16]
    path = (lock_dir or Path(tempfile.gettempdir())) / f"shipshape-builder-{key}.lock"
    with path.open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX if exclusive else fcntl.LOCK_SH)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def run_buildx(command: list[str], log_path: Path, progress: Progress | None) -> tuple[bool, str]:
    """Run a buildx command, streaming its plain progress to `log_path` and `progress`."""
    log_path.parent.mkdir(parents=True, exist_ok=True)
    lines: list[str] = []
    with (
        builder_turn(exclusive="--no-cache" in command),
        log_path.open("w", encoding="utf-8") as log,
        subprocess.Popen(
            command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, errors="replace"
        ) as process,
    ):
        log.write("$ " + " ".join(command) + "\n")
        assert process.stdout is not None
        for line in process.stdout:
            log.write(line)
            lines.append(line)
            if progress and line.startswith("#") and "[" in line:
                progress(line.strip())
    return process.returncode == 0, "".join(lines)


def build_image(
    plan: BuildPlan,
    options: BuildOptions,
    client: docker.DockerClient,
    progress: Progress | None = None,
) -> BuiltImage:
    """Build `plan` unless an image with its tag exists; once per tag across workers."""
    if shutil.which("docker") is None:
        return BuiltImage(plan, False, False, 0.0, "the docker CLI (with buildx) is not on PATH")
    log_path = options.cache_dir / "logs" / f"{plan.digest[:16]}.log"
    lock_path = options.cache_dir / "locks" / f"{plan.digest[:16]}.lock"
    lock_path.parent.mkdir(parents=True, exist_ok=True)
    with FileLock(str(lock_path)):
        if image_exists(client, plan.tag):
            log = (
                log_path.read_text(encoding="utf-8")
                if log_path.exists()
                else "(build log not kept)"
            )
            return BuiltImage(plan, True, True, 0.0, log)
        staged = stage_dockerfile(plan, options.cache_dir)
        started = time.monotonic()
        ok, log = run_buildx(buildx_command(plan, options, staged), log_path, progress)
        return BuiltImage(plan, ok, False, time.monotonic() - started, log)


# Host-side clutter a probe copy of an app leaves out (a real build context
# would carry it, but the probe is about the app's own files).
NOT_COPIED = shutil.ignore_patterns(".venv", "__pycache__", "*.pyc", ".git")


@contextmanager
def app_copy(app: Path) -> Iterator[Path]:
    """A throw-away copy of an app's folder, for probe builds that change it."""
    with tempfile.TemporaryDirectory(prefix="shipshape-probe-") as tmp:
        copy = Path(tmp) / "app"
        shutil.copytree(app, copy, ignore=NOT_COPIED, symlinks=True)
        yield copy


@dataclass(frozen=True)
class ProbeBuild:
    ok: bool
    seconds: float
    log: str


def probe_build(
    plan: BuildPlan,
    options: BuildOptions,
    context: Path,
    *,
    tag: str | None = None,
    secrets: Mapping[str, Path] | None = None,
    build_args: Mapping[str, str] | None = None,
    no_cache: bool = False,
    stage: str | None = None,
    dockerfile_text: str | None = None,
) -> ProbeBuild:
    """Build `plan`'s Dockerfile on another context; load it as `tag` or keep only the cache.

    `stage`: only that stage (and the stages it needs), not the target's own.
    `dockerfile_text`: this edit of the plan's Dockerfile instead.
    """
    probe_options = BuildOptions(
        cache_dir=options.cache_dir,
        bases=options.bases,
        builder=options.builder,
        extra_build_args={**options.extra_build_args, **(build_args or {})},
        secrets={**options.secrets, **(secrets or {})},
    )
    probe_plan = replace(
        plan,
        build_args={**plan.build_args, **(build_args or {})},
        dockerfile_text=dockerfile_text or plan.dockerfile_text,
    )
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="shipshape-probe-") as tmp:
        # Another text is staged apart: the plan's folder is shared by its builds.
        staged = (
            stage_dockerfile_in(probe_plan, Path(tmp))
            if dockerfile_text
            else stage_dockerfile(plan, options.cache_dir)
        )
        command = buildx_command(
            probe_plan,
            probe_options,
            staged,
            context=context,
            output=None if tag else "cacheonly",
            no_cache=no_cache,
            stage=stage,
        )
        if tag:
            command[command.index(plan.tag)] = tag
        ok, log = run_buildx(command, Path(tmp) / "build.log", None)
    return ProbeBuild(ok, time.monotonic() - started, log)
