"""Bad input is one clear line, never a traceback.

The cases that need a live engine (checking a manifest sweeps it first) are
in tests/acceptance/test_plugin_errors_engine.py.
"""

from __future__ import annotations

import dataclasses
import json

import pytest
import requests

from shipshape import engine
from shipshape.properties import REGISTRY
from tests.support.stub_project import MANIFEST, manifest, stub_project


@pytest.fixture
def project(pytester: pytest.Pytester) -> pytest.Pytester:
    return stub_project(pytester)


def test_no_engine_is_one_line_and_a_usage_error(project: pytest.Pytester, monkeypatch) -> None:
    project.path.joinpath("shipshape.yaml").write_text(MANIFEST.replace("uidd", "uid"))
    monkeypatch.setenv("DOCKER_HOST", "unix:///nonexistent/docker.sock")
    result = project.runpytest_subprocess("shipshape.yaml")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    errors = [line for line in result.errlines if line.strip()]
    assert len(errors) == 1, result.errlines
    assert errors[0].startswith(
        "ERROR: no Docker engine reachable at unix:///nonexistent/docker.sock"
    )
    assert "Traceback" not in result.stdout.str() + result.stderr.str()


class _VanishingEngine:
    """A client whose engine answers until `vanish()`; then every call is refused."""

    def __init__(self) -> None:
        self.gone = False

    def vanish(self) -> None:
        self.gone = True

    def ping(self) -> bool:
        if self.gone:
            raise requests.exceptions.ConnectionError("Connection refused")
        return True


def test_a_lost_engine_is_an_error_one_line_and_a_partial_report(
    project: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    project.path.joinpath("shipshape.yaml").write_text(
        manifest("{user: {}, healthy: {}, listen: {}}")
    )
    client = _VanishingEngine()

    def engine_goes_away(subject: object, params: object) -> str:
        client.vanish()
        raise requests.exceptions.ConnectionError("('Connection aborted.', RemoteDisconnected())")

    def refused(*args: object, **kwargs: object) -> None:
        raise requests.exceptions.ConnectionError("Connection refused")

    monkeypatch.setattr(engine, "connect", lambda: client)
    monkeypatch.setattr(engine, "native_platform", lambda c: "linux/amd64")
    monkeypatch.setattr(engine, "remove_labelled", lambda c, **kw: 0)
    monkeypatch.setattr(engine, "remove_run", refused)
    # Not reusable: no fingerprint, whose image build this fake engine cannot answer.
    # healthy runs first (it starts the shared container); the engine goes away there.
    for prop, check in (("healthy", engine_goes_away), ("user", refused)):
        unstored = dataclasses.replace(REGISTRY[prop], check=check, reusable=False)
        monkeypatch.setitem(REGISTRY, prop, unstored)
    report = project.path / "report.json"
    result = project.runpytest_inprocess("shipshape.yaml", "--shipshape-json", str(report))
    output = result.stdout.str()
    assert "Traceback" not in output
    assert "healthy: harness error: the Docker engine went away during the run" in output
    assert "shipshape property report" in output  # the partial report is still printed
    statuses = {r["property"]: r["status"] for r in json.loads(report.read_text())}
    assert statuses == {"healthy": "error"}, statuses  # the run stopped: nothing else judged
    assert result.ret != pytest.ExitCode.OK
