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

from shipshape.plugin import bases_path
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

    def failing(self) -> dict[str, str]:
        return {r.property: r.message for r in self.records if r.status == "fail"}


@dataclass(frozen=True)
class Harness:
    """Runs shipshape on a manifest in a child pytest, as a user would."""

    bases: Path | None

    def run(self, manifest: Path, *extra: str) -> HarnessRun:
        report = manifest.with_suffix(".report.json")
        command = [
            sys.executable,
            "-m",
            "pytest",
            str(manifest),
            "-p",
            "no:cacheprovider",
            "-q",
            "--shipshape-json",
            str(report),
        ]
        if self.bases:
            command += ["--shipshape-bases", str(self.bases)]
        done = subprocess.run(
            [*command, *extra], cwd=manifest.parent, capture_output=True, text=True, timeout=900
        )
        output = done.stdout + done.stderr
        records = read_json(report) if report.exists() else []
        return HarnessRun(done.returncode, output, records)


@pytest.fixture(scope="session")
def repo() -> Path:
    return REPO


@pytest.fixture(scope="session")
def harness(pytestconfig: pytest.Config) -> Harness:
    return Harness(bases=bases_path(pytestconfig))
