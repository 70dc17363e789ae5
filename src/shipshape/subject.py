"""The thing under test: one target's image and the containers started from it.

A `Subject` builds its image once (lazily, on the first property that needs
it), starts one shared container for the properties that only look at a
running server (`healthy` starts it and times it), and hands out fresh
containers to properties that change their container's life (sigterm) or
its settings (hardened). `close()`
removes every container it started.
"""

from __future__ import annotations

import dataclasses
import enum
import io
import json
import re
import shutil
import tarfile
import tempfile
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path
from secrets import token_hex
from typing import Any

import docker
import docker.errors

from shipshape.build import (
    BuildOptions,
    BuildPlan,
    BuiltImage,
    ProbeBuild,
    app_copy,
    build_image,
    context_files,
    image_exists,
    image_id,
    plan_build,
    probe_build,
)
from shipshape.compose import ComposeStack, new_password, project_name, running_stack
from shipshape.composefile import ComposeParams
from shipshape.dockerfile import (
    copies_whole_context,
    rerunning_secret_steps,
    secret_ids,
    source_of_stages,
)
from shipshape.engine import RunIdentity, is_local, uses_containerd_store
from shipshape.errors import NotChecked
from shipshape.filesystem import (
    Entry,
    LayerFile,
    config_digest,
    diff_ids,
    find_in_layers,
    image_entries,
    layer_files,
    uncompressed_size,
)
from shipshape.infer import Inference, infer
from shipshape.manifest import App, Target, TargetId
from shipshape.probe import EngineHostProbe, LocalProbe, Probe
from shipshape.run import RunningContainer, RunOptions, start
from shipshape.users import ImageUser, resolve_user
from shipshape.verdicts import VerdictStore, file_input, fingerprint, image_content, params_input
from shipshape.waiting import Budget

# The vocabulary properties use with their subject (and import from here).
__all__ = [
    "App",
    "BuiltImage",
    "ComposeStack",
    "Entry",
    "LayerFile",
    "ProbeBuild",
    "Reads",
    "RunOptions",
    "RunningContainer",
    "Subject",
    "TargetId",
]

# A compiled module's name ends in its interpreter's tag: os.cpython-315.pyc.
CACHE_TAG = re.compile(r"/__pycache__/[^/]+\.(cpython-\d+)\.pyc$")

# Docker's own HEALTHCHECK timeout when the image states none.
DOCKER_HEALTH_TIMEOUT_NS = 30 * 10**9
DEFAULT_PORT = 8000
DEFAULT_HEALTH_PATH = "/"
# How long a container may take to become ready before the properties that
# use it report what they see (they judge, not this wait).
READY_WAIT_S = 30.0
# Properties whose settings other checks read too (the subject's port and
# health path are listen's; k8s-consistent reads sigterm's budget): every
# verdict's fingerprint holds them. A unit test holds this list to the code.
SETTINGS_READ_ACROSS = ("listen", "sigterm")


class Reads(enum.Enum):
    """What a property's verdict depends on: what its fingerprint holds (see `fingerprint`)."""

    # The Dockerfile's text and the files its parameters name (lint).
    FILES = "files"
    # Probe builds of the stage that installs the dependencies, and the
    # stages it is built from (cache): not the later stages, when a change to
    # the context provably reaches the install step only through them.
    INSTALL_STAGE = "install-stage"
    # The built image and everything it is made of.
    IMAGE = "image"


def scaled_healthcheck(healthcheck: Mapping[str, Any], scale: float) -> dict[str, int]:
    """A HEALTHCHECK's timeout and start period (ns), scaled like every time budget.

    Under emulation the check command itself runs slowly (a Python starting
    under QEMU takes seconds): a 3 s timeout that holds natively would make
    an emulated container unhealthy with nothing wrong in the image.
    """
    timing = {
        "timeout": healthcheck.get("Timeout") or DOCKER_HEALTH_TIMEOUT_NS,
        "start_period": healthcheck.get("StartPeriod") or 0,
    }
    return {key: int(ns * scale) for key, ns in timing.items() if ns}


@dataclass
class Subject:
    target: Target
    client: docker.DockerClient
    build_options: BuildOptions
    identity: RunIdentity
    # Time budgets are multiplied by this on an emulated platform (QEMU).
    time_scale: float = 1.0
    progress: Callable[[str], None] | None = None
    # Where opt-in SBOMs go (--shipshape-sbom); None when not asked for.
    sbom_dir: Path | None = None
    _plan: BuildPlan | None = None
    _built: BuiltImage | None = None
    _shared: RunningContainer | None = None
    _shared_ready: bool = False
    # Image id -> uncompressed size, shared by the subjects of a process (a
    # base is measured once, not once per variant).
    sizes: dict[str, int] = field(default_factory=dict)
    _files: list[Entry] | None = None
    _user: ImageUser | None = None
    _probe: Probe | None = None
    _inference: Inference | None = None
    _content: str | None = None
    _engine_info: dict[str, Any] | None = None
    _started: list[RunningContainer] = field(default_factory=list)

    # ------------------------------------------------------------ settings

    def params(self, prop: str) -> Any | None:
        return self.target.variant.properties.get(prop)

    @property
    def port(self) -> int:
        listen = self.params("listen")
        return listen.port if listen else DEFAULT_PORT

    @property
    def health_path(self) -> str:
        """Where readiness is asked: listen's path, else the HEALTHCHECK's URL, else the root."""
        listen = self.params("listen")
        if listen and listen.path:
            return listen.path
        inferred = self.inference().health_path.value
        return str(inferred) if inferred else DEFAULT_HEALTH_PATH

    def has_healthcheck(self) -> bool:
        test = (self.image_config().get("Healthcheck") or {}).get("Test") or []
        return bool(test) and test != ["NONE"]

    def budget(self, promised_s: float) -> Budget:
        """A time budget of this target: scaled on an emulated platform."""
        return Budget(promised_s, self.time_scale)

    def labels(self) -> dict[str, str]:
        return {**self.identity.labels(), "shipshape.target": str(self.target.id)}

    # --------------------------------------------------------------- image

    def plan(self) -> BuildPlan:
        if self._plan is None:
            self._plan = plan_build(self.target, self.build_options, self.client)
        return self._plan

    def build(self) -> BuiltImage:
        """The build's outcome; NotChecked when the bases file declares a base unavailable."""
        if self._built is None and not image_exists(self.client, self.plan().tag):
            platform = self.target.platform
            for ref in self.plan().bases:
                reason = self.build_options.bases.unavailable(ref, platform)
                if reason:
                    raise NotChecked(f"base image {ref} is unavailable on this machine: {reason}")
        if self._built is None:
            self._built = build_image(self.plan(), self.build_options, self.client, self.progress)
        return self._built

    def image(self) -> BuiltImage:
        """The built image, or NotChecked when it did not build."""
        built = self.build()
        if not built.ok:
            raise NotChecked("the image did not build (build failed)")
        return built

    def image_attrs(self) -> dict[str, Any]:
        return self.client.images.get(self.image().tag).attrs

    def inference(self) -> Inference:
        """What the Dockerfile and its context say (the install step, the app module...)."""
        if self._inference is None:
            variant = self.target.variant
            self._inference = infer(variant.dockerfile, self.target.app.path, variant.target)
        return self._inference

    def engine_info(self) -> dict[str, Any]:
        """The engine's `docker info`, asked once per subject (it does not change mid-run)."""
        if self._engine_info is None:
            self._engine_info = self.client.info()
        return self._engine_info

    def fingerprint(
        self, prop_id: str, params: Any, *, code: str, reads: Reads = Reads.IMAGE
    ) -> str:
        """Everything a verdict of `prop_id` on this target could depend on (see verdicts).

        `code` is the property's module (its code is an input). A verdict
        that reads only files (`Reads.FILES`: lint) depends on the
        Dockerfile's text and its parameters' files, not on the build
        context, the app or the image. One that probes the dependency
        install (`Reads.INSTALL_STAGE`: cache) depends on the stages a
        build of the install stage runs, the context, the build args and
        those stages' bases, when `install_stage` can name that stage; and
        on whether the image built. Any other also depends on the build
        plan and what of the target it reads, and on the built image's
        content: the plan knows a base pulled by the builder only by its
        name, and a moved tag (python:3.15-slim republished) must re-check
        what it changed.
        """
        info = self.engine_info()
        engine = f"{self.client.api.base_url} {info.get('Driver')} {info.get('DriverStatus')}"
        parts: dict[str, Any] = {
            "property": prop_id,
            "params": params_input(params),
            "engine": engine,
            "time_scale": self.time_scale,
        }
        if reads is Reads.FILES:
            parts["dockerfile"] = file_input(self.target.variant.dockerfile)
            return fingerprint(parts, code)
        parts["target"] = self.target_inputs()
        install = self.install_inputs(params) if reads is Reads.INSTALL_STAGE else None
        if install is not None:
            parts["install"] = install
            parts["built"] = self.build().ok
            return fingerprint(parts, code)
        parts["plan"] = self.plan().digest
        parts["image"] = self.image_content() if self.build().ok else "not built"
        if isinstance(params, ComposeParams):
            parts["stack_bases"] = self.stack_bases(params)
        return fingerprint(parts, code)

    def install_inputs(self, params: Any) -> dict[str, Any] | None:
        """What a probe of the dependency install reads, when it can build the install stage
        alone (`install_stage`); None when it builds the whole target.

        `params.install_step`, if the property has one, names the step.
        """
        step = self.install_step(getattr(params, "install_step", None))
        stage = self.install_stage(step) if step else None
        if stage is None:
            return None
        plan = self.plan()
        model = plan.dockerfile
        return {
            "stage": stage,
            "step": step,
            "source_file": self.inference().source_file.value,
            "dockerfile": source_of_stages(plan.dockerfile_text, model, stage),
            "context": plan.context_digest,
            "args": dict(plan.build_args),
            "secrets": sorted(self.build_options.secrets),
            "bases": {ref: plan.base_ids.get(ref) for ref in model.image_references(stage)},
        }

    def install_step(self, explicit: str | None = None) -> str | None:
        """The dependency install's text: `explicit`, else the Dockerfile's first installing RUN."""
        return explicit or self.inference().install_step.value

    def install_stage(self, install_step: str) -> str | None:
        """The stage a probe of the dependency install builds alone; None: the whole target.

        It is the named stage that runs `install_step`, when the built stage
        needs it but is not it, every step of the build that runs
        `install_step` is in it or the stages it is built from, and those
        copy the whole build context (`COPY . /app`). A change to the
        context then reaches each install step exactly as in a build of the
        target, whatever the later stages do: the step is CACHED, or re-runs,
        in both alike.
        """
        model = self.plan().dockerfile
        built = model.stages_for(self.target.variant.target)
        wanted = " ".join(install_step.split())

        def installs(instruction: Any) -> bool:
            text = " ".join([instruction.arguments, *instruction.heredocs])
            return instruction.keyword == "RUN" and wanted in " ".join(text.split())

        installing = [s for s in built if any(installs(i) for i in s.instructions)]
        if not installing:
            return None
        stage = installing[-1]
        if stage.name is None or stage.index == model.stage(self.target.variant.target).index:
            return None
        needed = model.stages_for(stage.name)
        reaches = any(copies_whole_context(i) for s in needed for i in s.instructions)
        covered = {s.index for s in installing} <= {s.index for s in needed}
        return stage.name if reaches and covered else None

    def image_content(self) -> str:
        """The built image's content digest (verdicts.image_content), read once per subject."""
        if self._content is None:
            self._content = image_content(self.image_attrs(), self.image_history())
        return self._content

    def target_inputs(self) -> dict[str, Any]:
        """What of the target, beyond its plan and the property's own settings, a check reads.

        Not its name: the verdicts of two targets that differ only by name
        (or by a file that this property does not read) are one verdict.
        """
        target = self.target
        return {
            "python": target.python,
            "platform": target.platform,
            "stage": target.variant.target,
            "lockfile": target.app.lockfile,
            "settings": {prop: params_input(self.params(prop)) for prop in SETTINGS_READ_ACROSS},
        }

    def stack_bases(self, params: ComposeParams) -> dict[str, str]:
        """Each base a Compose stack runs unbuilt (POSTGRES_IMAGE...): what it is here, by id.

        The stack runs the bases file's substitute, or the official image;
        a rebuilt stand-in or a moved tag is a new input of every stack verdict.
        """
        return {
            var: f"{used} {image_id(self.client, used)}"
            for var, used in sorted(self.stack_images(params).items())
        }

    def stack_images(self, params: ComposeParams) -> dict[str, str]:
        """Variable -> the image standing for that base here: the bases file's substitute."""
        platform = self.target.platform
        return {
            var: self.build_options.bases.resolve(ref, platform)
            for var, ref in params.images.items()
        }

    def build_args(self) -> Mapping[str, str]:
        """The build args the image was built with (the manifest's and the harness's)."""
        return self.plan().build_args

    def runtime_base(self) -> tuple[str, str] | None:
        """(base the Dockerfile names, image really used) of the final stage; None: scratch."""
        official = self.plan().runtime_base
        if official is None:
            return None
        return official, self.build_options.bases.resolve(official, self.target.platform)

    def image_history(self, ref: str | None = None) -> list[dict[str, Any]]:
        return self.client.images.get(ref or self.image().tag).history()

    def uncompressed_size(self, ref: str) -> int:
        """`ref`'s size as every store agrees: the uncompressed content of its layers.

        The classic store reports exactly that as `Size` (within a few KB);
        the containerd store's own figure counts compressed blobs, so there
        the layers are read from `docker save` (seconds per image).
        """
        image = self.client.images.get(ref)
        if image.id not in self.sizes:
            if uses_containerd_store(self.engine_info()):
                self.sizes[image.id] = uncompressed_size(self.client, image.id)
            else:
                self.sizes[image.id] = int(image.attrs["Size"])
        return self.sizes[image.id]

    def image_digests(self, ref: str) -> tuple[str, tuple[str, ...]]:
        """`ref`'s config digest (from `docker save`, on either store) and its layers' diff ids."""
        return config_digest(self.client, ref), diff_ids(self.client.images.get(ref).attrs)

    def layer_files(self, ref: str) -> list[dict[str, LayerFile]]:
        """Each of `ref`'s layers, bottom first: path -> what the layer's tar says of it."""
        return layer_files(self.client, ref)

    def find_canary_in_image(self, ref: str, canary: bytes) -> list[str]:
        """Every place in `ref`'s layers (file by file), config and manifests holding `canary`.

        `canary` is made for this search, after this target's image was
        built: the layers `ref` shares with the runtime base or with that
        image (by diff id, so the same bytes) existed before it and are not
        searched. A layer the canary could reach differs from the image's.
        """
        predating = (*self.runtime_base_layers(), *self.image_layers())
        return find_in_layers(self.client, ref, canary, predating=predating)

    def image_layers(self) -> tuple[str, ...]:
        """The diff ids of this target's built image, bottom first."""
        return diff_ids(self.image_attrs())

    def runtime_base_layers(self) -> tuple[str, ...]:
        """The diff ids of the runtime base as used here; none for scratch or a base not local."""
        base = self.runtime_base()
        if base is None:
            return ()
        try:
            return diff_ids(self.client.images.get(base[1]).attrs)
        except docker.errors.ImageNotFound:
            return ()  # pulled by the builder only: every layer is searched

    # -------------------------------------------------------- probe builds

    @contextmanager
    def context_copy(self) -> Iterator[Path]:
        """A throw-away copy of the build context, for probe builds that change it."""
        with app_copy(self.target.app.path) as copy:
            yield copy

    def context_files(self) -> list[str]:
        """The build context's files the .dockerignore lets through (relative paths)."""
        return context_files(self.plan())

    def probe_build(
        self,
        context: Path,
        *,
        secrets: Mapping[str, Path] | None = None,
        build_args: Mapping[str, str] | None = None,
        stage: str | None = None,
    ) -> ProbeBuild:
        """This target's Dockerfile built on another context, kept only in the build cache.

        `stage`: that stage (and those it is built from) only, not the built one.
        """
        return probe_build(
            self.plan(),
            self.build_options,
            context,
            secrets=secrets,
            build_args=build_args,
            stage=stage,
        )

    @contextmanager
    def probe_image(
        self,
        context: Path,
        *,
        secrets: Mapping[str, Path] | None = None,
        build_args: Mapping[str, str] | None = None,
        no_cache: bool = False,
        rerun_secret_steps: bool = False,
    ) -> Iterator[tuple[ProbeBuild, str]]:
        """The probe build loaded as a unique image, (build, tag); the image is removed after.

        `no_cache`: every step runs afresh (`--no-cache`), the builder's cache untouched.
        `rerun_secret_steps`: each stage runs again from its first step that
        mounts a secret: that step's cache holds another build's secret.
        """
        plan = self.plan()
        tag = f"shipshape/probe:{plan.digest[:12]}-{token_hex(6)}"
        probe = probe_build(
            plan,
            self.build_options,
            context,
            tag=tag,
            secrets=secrets,
            build_args=build_args,
            no_cache=no_cache,
            dockerfile_text=(
                rerunning_secret_steps(plan.dockerfile_text, plan.dockerfile, token_hex(8))
                if rerun_secret_steps
                else None
            ),
        )
        try:
            yield probe, tag
        finally:
            if probe.ok:
                with suppress(docker.errors.ImageNotFound):
                    self.client.images.remove(tag, force=True)

    def secret_ids(self) -> list[str]:
        """The ids of the BuildKit secrets this target's build mounts."""
        return secret_ids(self.plan().dockerfile, self.target.variant.target)

    def sibling_image(self, dockerfile: Path, suffix: str) -> BuiltImage:
        """This target's app built from another template (compose-dev's dev image) as
        variant `<variant>-<suffix>`, content-hash tagged and built once like any
        target; `.ok` says whether it built."""
        name = f"{self.target.variant.name}-{suffix}"
        variant = dataclasses.replace(self.target.variant, name=name, dockerfile=dockerfile)
        target = Target(variant, self.target.app, self.target.python, self.target.platform)
        plan = plan_build(target, self.build_options, self.client)
        return build_image(plan, self.build_options, self.client, self.progress)

    # --------------------------------------------------------------- stack

    @contextmanager
    def stack(
        self,
        params: ComposeParams,
        *,
        extra_files: tuple[Path, ...] = (),
        extra_env: Mapping[str, str] | None = None,
        clean: bool = False,
        env_example: Path | None = None,
    ) -> Iterator[ComposeStack]:
        """This target's Compose stack, not yet up; taken down (volumes, built images) after.

        It runs this target's image (APP_IMAGE) and the bases file's
        substitutes of the stack's declared images (POSTGRES_IMAGE...), with
        a fresh password in a secret file and a random loopback port.
        `clean`: as a team runs it from a fresh checkout: `docker compose`
        sees no harness variable but those substitutes, the password file
        and the port; the stack builds its own images (the bases file's
        substitutes as named build contexts, as a mirror would be given);
        `.env` is a copy of `env_example`.
        """
        bases = self.build_options.bases
        platform = self.target.platform
        with tempfile.TemporaryDirectory(prefix="shipshape-stack-") as folder:
            password = new_password()
            secret = Path(folder) / "db_password"
            secret.write_text(password)
            # Readable by the containers' own users (postgres, 10001): a file
            # secret is a bind mount with the host file's mode; the folder is 0700.
            secret.chmod(0o644)
            env = {
                **self.stack_images(params),
                "DB_PASSWORD_FILE": str(secret),
                # A random loopback port: parallel stacks never collide.
                "APP_PORT": "127.0.0.1:",
            }
            env_file = None
            if clean:
                # Only what a user with a mirror would set: no variable for a
                # base the machine has under its official name.
                env = {k: v for k, v in env.items() if v != params.images.get(k)}
                if env_example is not None:
                    env_file = Path(folder) / ".env"
                    shutil.copyfile(env_example, env_file)
            else:
                env["APP_IMAGE"] = self.image().tag
            contexts = {
                official: f"docker-image://{substitute}"
                for official in bases.for_platform(platform)
                if (substitute := bases.resolve(official, platform)) != official
            }
            stack = ComposeStack(
                files=(params.compose_file, *extra_files),
                project=project_name(self.identity.run_id, self.target.variant.name),
                env={**env, **(extra_env or {})},
                labels=self.labels(),
                build_contexts=contexts,
                inherit_env=not clean,
                env_file=env_file,
                password=password,
            )
            with running_stack(stack):
                yield stack

    # ------------------------------------------------------------ tools

    def once_per_gate(
        self, name: str, inputs: Mapping[str, Any], compute: Callable[[], list[str]]
    ) -> list[str]:
        """`compute()` (a tool's findings on a file) done once per gate for these inputs.

        Every process of the run, and every run it starts, takes the first
        one's answer: checkov takes seconds to start, and the mutants lint
        one Deployment dozens of times. Only ever this gate's answer, like a
        fresh run's verdicts; an error is raised, never kept.
        """
        store = VerdictStore(
            self.build_options.cache_dir / "once-per-gate",
            self.identity.run_id,
            earlier_runs=False,
            gate=self.identity.gate,
        )
        key = fingerprint({"once": name, "inputs": dict(inputs)})
        with store.claim(key):
            stored = store.get(key)
            if stored is not None and stored.value is not None:
                return list(json.loads(stored.value))
            answer = compute()
            store.put(key, json.dumps(answer), {}, str(self.target.id))
            return answer

    def image_config(self) -> dict[str, Any]:
        """The image's run configuration: User, Env, Cmd, Entrypoint, Healthcheck..."""
        return self.image_attrs()["Config"]

    def image_user(self) -> ImageUser:
        """Who the image runs as: its USER, resolved through its own /etc/passwd."""
        if self._user is None:
            spec = self.image_config().get("User") or ""
            self._user = resolve_user(spec, self._etc_file)
        return self._user

    def image_env(self) -> dict[str, str]:
        return dict(item.partition("=")[::2] for item in self.image_config().get("Env") or [])

    def venv(self) -> str | None:
        """The image's virtualenv: VIRTUAL_ENV, else a PATH entry beside a pyvenv.cfg."""
        env = self.image_env()
        if env.get("VIRTUAL_ENV"):
            return env["VIRTUAL_ENV"].rstrip("/")
        paths = {e.path for e in self.files()}
        for folder in env.get("PATH", "").split(":"):
            root = folder.rstrip("/").removesuffix("/bin")
            if folder.endswith("/bin") and f"{root.strip('/')}/pyvenv.cfg" in paths:
                return root
        return None

    def python_tag(self) -> str:
        """The image's CPython cache tag (e.g. cpython-315), from its standard library's files."""
        tags = {
            match.group(1)
            for e in self.files()
            if (match := CACHE_TAG.search(e.path)) and "/site-packages/" not in e.path
        }
        if len(tags) == 1:
            return tags.pop()
        return "cpython-" + self.target.python.replace(".", "")

    def _etc_file(self, path: str) -> str | None:
        """A small file of the image, read from a created (never started) container."""
        container = self.client.containers.create(
            self.image().tag, labels=self.labels(), entrypoint=["/nonexistent"]
        )
        try:
            stream, _ = container.get_archive(path)
            with tarfile.open(fileobj=io.BytesIO(b"".join(stream))) as archive:
                member = archive.next()
                handle = archive.extractfile(member) if member else None
                return handle.read().decode(errors="replace") if handle else None
        except docker.errors.NotFound:
            return None
        finally:
            container.remove(force=True)

    def files(self) -> list[Entry]:
        """The image's filesystem listing, exported once per subject."""
        if self._files is None:
            self._files = image_entries(self.client, self.image().tag, self.labels())
        return self._files

    # ----------------------------------------------------------- containers

    def start(self, options: RunOptions | None = None) -> RunningContainer:
        options = options or RunOptions()
        if options.platform is None:
            options = dataclasses.replace(options, platform=self.target.platform)
        if self.time_scale != 1.0 and not options.no_healthcheck:
            healthcheck = self.image_config().get("Healthcheck") or {}
            timing = scaled_healthcheck(healthcheck, self.time_scale)
            options = dataclasses.replace(options, healthcheck_timing=timing)
        container = start(
            self.client,
            self.image().tag,
            port=self.port,
            labels=self.labels(),
            options=options,
            probe=self.probe(),
        )
        self._started.append(container)
        return container

    def probe(self) -> Probe:
        """How requests reach published ports: directly, or from the remote engine's host."""
        if self._probe is None:
            if is_local(self.client.api.base_url):
                self._probe = LocalProbe()
            else:
                self._probe = EngineHostProbe(self.client, self.image().tag, self.labels())
        return self._probe

    def wait_ready(self, container: RunningContainer) -> bool:
        """Whether the server came up: healthy, or answering on its port.

        Either will do: a broken HEALTHCHECK or an unreachable port is for
        `healthy` and `listen` to report, not a reason to skip the others.
        """
        return container.wait_ready(self.health_path, self.budget(READY_WAIT_S).seconds)

    def shared(self) -> RunningContainer:
        """One container for the properties that only observe a running server, ready."""
        if self._shared is None:
            self._shared = self.start()
        if not self._shared_ready:
            self.wait_ready(self._shared)
            self._shared_ready = True
        return self._shared

    def start_shared(self) -> RunningContainer | None:
        """The shared container, started now and not yet waited for, to the one check
        that measures its start (healthy); None when a check has started it already."""
        if self._shared is not None:
            return None
        self._shared = self.start()
        return self._shared

    def close(self) -> None:
        for container in self._started:
            container.remove()
        if self._probe is not None:
            self._probe.close()
            self._probe = None
        self._started.clear()
        self._shared = None
        self._shared_ready = False
