"""Bad input is one clear line, never a traceback.

The cases that need a live engine (checking a manifest sweeps it first) are
in tests/acceptance/test_plugin_errors_engine.py.
"""

from __future__ import annotations

import pytest

MANIFEST = """\
apps:
  web: {path: app}
variants:
  prod:
    dockerfile: Dockerfile
    apps: [web]
    properties:
      user: {uidd: 1}
"""


@pytest.fixture
def project(pytester: pytest.Pytester) -> pytest.Pytester:
    pytester.mkdir("app")
    pytester.path.joinpath("app", "uv.lock").write_text("version = 1\n")
    pytester.path.joinpath("Dockerfile").write_text("FROM python:3.15-slim\n")
    return pytester


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
