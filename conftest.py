"""Fixtures shared by shipshape's own tests.

The property checks themselves come from the shipshape plugin (installed
under the `pytest11` entry point), which collects `shipshape.yaml`; this file
only helps the tests that run the harness on generated manifests (mutants).
"""

from __future__ import annotations

import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from shipshape import engine
from shipshape.runstate import bases_path
from shipshape.report import Record, read_json

# pytester runs the plugin in-process on generated manifests (tests/unit).
# pytest only honours pytest_plugins in the rootdir conftest.
pytest_plugins = ["pytester"]

REPO = Path(__file__).resolve().parent


@dataclass(frozen=True)
class HarnessRun:
    exit_code: int
    output: str
    records: list[Record]
    # Containers, networks and volumes the run still owned after it ended.
    left_behind: list[str]

    def failing(self) -> dict[str, str]:
        return {r.property: r.message for r in self.records if r.status == "fail"}


@dataclass(frozen=True)
class Harness:
    """Runs shipshape on a manifest in a child pytest, as a user would."""

    bases: Path | None

    def start(self, manifest: Path, *extra: str) -> subprocess.Popen[str]:
        """The child pytest, running; its pid owns every resource it creates."""
        command = [
            sys.executable,
            "-m",
            "pytest",
            str(manifest),
            "-p",
            "no:cacheprovider",
            "-q",
            "--shipshape-json",
            str(report_path(manifest)),
        ]
        if self.bases:
            command += ["--shipshape-bases", str(self.bases)]
        return subprocess.Popen(
            [*command, *extra],
            cwd=manifest.parent,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )

    def verify(self, dockerfile_or_folder: Path, report: Path, *extra: str) -> HarnessRun:
        """Zero-config `shipshape verify PATH`, in a child process, as a user would run it."""
        command = [sys.executable, "-m", "shipshape.cli", "verify", str(dockerfile_or_folder)]
        command += ["--shipshape-json", str(report), *extra]
        if self.bases:
            command += ["--shipshape-bases", str(self.bases)]
        child = subprocess.Popen(
            command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
        )
        try:
            output, _ = child.communicate(timeout=900)
        finally:
            child.kill()
        records = read_json(report) if report.exists() else []
        left_behind = engine.owned_by(engine.connect(), child.pid)
        return HarnessRun(child.returncode, output, records, left_behind)

    def run(self, manifest: Path, *extra: str) -> HarnessRun:
        child = self.start(manifest, *extra)
        try:
            output, _ = child.communicate(timeout=900)
        finally:
            child.kill()
        return self.finished(child, manifest, output)

    def finished(self, child: subprocess.Popen[str], manifest: Path, output: str) -> HarnessRun:
        report = report_path(manifest)
        records = read_json(report) if report.exists() else []
        left_behind = engine.owned_by(engine.connect(), child.pid)
        return HarnessRun(child.returncode, output, records, left_behind)


def report_path(manifest: Path) -> Path:
    return manifest.with_suffix(".report.json")


@pytest.fixture(scope="session")
def repo() -> Path:
    return REPO


@pytest.fixture(scope="session")
def harness(pytestconfig: pytest.Config) -> Harness:
    return Harness(bases=bases_path(pytestconfig))
