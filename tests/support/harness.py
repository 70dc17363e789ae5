"""Running shipshape in a child process, exactly as a user would, for the harness's own tests."""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from shipshape import engine
from shipshape.engine import GATE_VARIABLE
from shipshape.report import Record, read_json


@dataclass(frozen=True)
class HarnessRun:
    exit_code: int
    output: str
    records: list[Record]
    # Containers, networks and volumes the run still owned after it ended.
    left_behind: list[str]

    def failing(self) -> dict[str, str]:
        return {r.property: r.message for r in self.records if r.status == "fail"}

    def of_variant(self, variant: str) -> HarnessRun:
        """The part of a many-variant run that is about one variant."""
        records = [r for r in self.records if r.variant == variant]
        return HarnessRun(self.exit_code, self.output, records, self.left_behind)

    def to_json(self) -> dict:
        return {
            "exit_code": self.exit_code,
            "output": self.output[-20000:],
            "records": [r.to_json() for r in self.records],
            "left_behind": self.left_behind,
        }

    @classmethod
    def from_json(cls, data: dict) -> HarnessRun:
        records = [Record.from_json(r) for r in data["records"]]
        return cls(data["exit_code"], data["output"], records, data["left_behind"])


@dataclass(frozen=True)
class Harness:
    """Runs shipshape on a manifest in a child pytest, as a user would."""

    bases: Path | None

    def start(self, manifest: Path, *extra: str, own_gate: bool = False) -> subprocess.Popen[str]:
        """The child pytest, running; its pid owns every resource it creates.

        It shares the verdicts of the suite's gate (a fresh suite checks each
        fingerprint once), unless `own_gate`: a run that must check
        everything itself (one to be interrupted while it owns containers).
        """
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
            env=child_environment(own_gate),
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

    def run(
        self, manifest: Path, *extra: str, timeout_s: float = 900, own_gate: bool = False
    ) -> HarnessRun:
        child = self.start(manifest, *extra, own_gate=own_gate)
        try:
            output, _ = child.communicate(timeout=timeout_s)
        finally:
            child.kill()
        return self.finished(child, manifest, output)

    def finished(self, child: subprocess.Popen[str], manifest: Path, output: str) -> HarnessRun:
        report = report_path(manifest)
        records = read_json(report) if report.exists() else []
        left_behind = engine.owned_by(engine.connect(), child.pid)
        return HarnessRun(child.returncode, output, records, left_behind)


def child_environment(own_gate: bool) -> dict[str, str]:
    """The suite's environment, without its gate when the child is to be its own."""
    return {k: v for k, v in os.environ.items() if not (own_gate and k == GATE_VARIABLE)}


def report_path(manifest: Path) -> Path:
    return manifest.with_suffix(".report.json")
