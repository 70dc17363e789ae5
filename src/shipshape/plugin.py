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
import time
from pathlib import Path
from typing import Any

import docker
import docker.errors
import pytest
import requests

from shipshape import engine
from shipshape.builder import check_builder
from shipshape.errors import ConfigError
from shipshape.items import RECORD_KEY, EngineLost, ManifestFile, PropertyItem
from shipshape.options import add_options
from shipshape.properties import REGISTRY
from shipshape.report import Record, summary_lines, write_json, write_markdown
from shipshape.runstate import STATE, RunState, checks_afresh, export_gate
from shipshape.schedule import costliest_groups_first, keep_our_order
from shipshape.signals import interrupt_on_sigterm

IDENTITY_KEY = "shipshape_identity"


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


def pytest_addoption(parser: pytest.Parser) -> None:
    add_options(parser)


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
    keep_our_order(config)
    config.addinivalue_line(
        "markers",
        "shipshape_cost(seconds): about how long the test takes; the costliest groups start first",
    )
    if config.get_verbosity() >= -1:  # silenced by -qq
        state.progress_stream = os.fdopen(os.dup(2), "w", buffering=1)
    config.stash[STATE] = state
    config.pluginmanager.register(SessionHooks(state), "shipshape-session")
    checks_manifests = bool(_manifest_paths(config))
    if checks_manifests and interrupt_on_sigterm():
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
            config.add_cleanup(engine.export_for_children(target, os.environ))
            config.add_cleanup(export_gate(identity, checks_afresh(config), os.environ))
            if builder := config.getoption("--shipshape-builder"):
                check_builder(builder, target.name)
        except ConfigError as exc:
            raise pytest.UsageError(str(exc)) from None
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


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    # Every worker collects, and sorts, the same list: xdist checks they agree.
    items[:] = costliest_groups_first(items, _cost)


def _cost(item: pytest.Item) -> float:
    if isinstance(item, PropertyItem):
        return item.cost
    # Any other test: its `shipshape_cost(seconds)` mark, else one ordinary check.
    marker = item.get_closest_marker("shipshape_cost")
    return float(marker.args[0]) if marker else 1.0


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
        record = item.record(report, error)
        report.user_properties.append((RECORD_KEY, record.to_json()))
        # JUnit reads the item's properties (from the teardown report): a CI's
        # test view then shows what was measured, not only pass/fail.
        item.user_properties += [
            ("shipshape.status", record.status),
            ("shipshape.value", record.value or ""),
            ("shipshape.message", record.message.partition("\n")[0]),
            ("shipshape.reused", (record.reused and record.measured_at) or ""),
            ("shipshape.shared_from", record.shared_from or ""),
        ]
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
            write_markdown(state.records, tuple(REGISTRY), Path(markdown_path))

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
        writer = (
            terminalreporter._tw
        )  # pytest's own writer: colour only on a TTY, NO_COLOR honoured
        colours = {"pass": "green", "fail": "red", "error": "red", "skip": "yellow"}

        def paint(text: str, status: str) -> str:
            return writer.markup(text, **{colours[status]: True}) if status in colours else text

        started = getattr(terminalreporter, "_sessionstarttime", None)
        lines = summary_lines(
            self.state.records,
            tuple(REGISTRY),
            verbose=self.state.config.get_verbosity() > 0,
            paint=paint,
            elapsed_s=time.time() - started if started else None,
        )
        for line in lines:
            terminalreporter.write_line(line)


# ------------------------------------------------------------ collectors
