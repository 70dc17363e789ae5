"""checkov inside `lint`: what each of its outcomes becomes.

A failed check, or a skip without a reason, is a finding (PropertyFailed);
a manifest that cannot be read or is not YAML is a ConfigError; checkov
missing, crashing, or reporting nothing evaluated (it exits 0 with an empty
report for a file it cannot find or parse) is a HarnessError, never clean.
The canned reports are the shape checkov 3.3.30 prints (`-o json`); two
tests run the real checkov on the shipped Deployment and on a weakened copy.
"""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Callable
from pathlib import Path
from types import SimpleNamespace

import pytest

from shipshape.errors import ConfigError, HarnessError, PropertyFailed
from shipshape.properties import lint
from tests.support.fake_tools import fake_tool

REPO = Path(__file__).resolve().parents[2]
DEPLOYMENT = REPO / "dockerfiles" / "k8s" / "deployment.yaml"
PYTHON = sys.executable

# `checkov -f missing.yaml` or a file that is not YAML: exit 0, and only this.
EMPTY_SUMMARY = json.dumps(
    {"passed": 0, "failed": 0, "skipped": 0, "parsing_errors": 0, "resource_count": 0,
     "checkov_version": "3.3.30"}
)  # fmt: skip


def report(failed=(), passed=1, skipped=()) -> str:
    def check(check_id: str, result: dict) -> dict:
        return {
            "check_id": check_id,
            "check_name": f"the rule {check_id}",
            "check_result": result,
            "resource": "Deployment.fastapi-app.fastapi-app",
            "file_line_range": [36, 160],
        }

    return json.dumps(
        {
            "check_type": "kubernetes",
            "results": {
                "passed_checks": [check("CKV_K8S_8", {"result": "PASSED"})] * passed,
                "failed_checks": [check(c, {"result": "FAILED"}) for c in failed],
                "skipped_checks": [
                    check(c, {"result": "SKIPPED", "suppress_comment": why}) for c, why in skipped
                ],
                "parsing_errors": [],
            },
            "summary": {"passed": passed, "failed": len(failed), "skipped": len(skipped),
                        "parsing_errors": 0, "resource_count": 6, "checkov_version": "3.3.30"},
        }
    )  # fmt: skip


def verdict(returncode: int, stdout: str, stderr: str = "") -> list[str]:
    return lint.checkov_verdict(returncode, stdout, stderr, DEPLOYMENT)


def test_a_failed_check_is_a_finding_naming_check_resource_and_lines() -> None:
    assert verdict(1, report(failed=["CKV_K8S_22"])) == [
        "checkov CKV_K8S_22 Deployment.fastapi-app.fastapi-app lines 36-160: the rule CKV_K8S_22"
    ]


def test_passed_checks_and_reasoned_skips_are_clean() -> None:
    assert verdict(0, report(passed=90, skipped=[("CKV_K8S_15", "digest-pinned")])) == []


def test_a_skip_without_a_reason_is_a_finding() -> None:
    (finding,) = verdict(0, report(skipped=[("CKV_K8S_15", "No comment provided")]))
    assert finding.startswith("checkov skip of CKV_K8S_15 on Deployment.fastapi-app")
    assert "gives no reason" in finding


@pytest.mark.parametrize(
    ("returncode", "stdout", "message"),
    [
        (0, EMPTY_SUMMARY, "checkov evaluated no Kubernetes resource"),
        (2, "", "checkov failed (exit 2)"),
        (1, "Traceback (most recent call last):", "checkov printed no JSON report"),
        (0, report(passed=0), "checkov ran no check"),
        (1, report(), "checkov exited 1 with 0 failed checks"),
        (0, report(failed=["CKV_K8S_22"]), "checkov exited 0 with 1 failed checks"),
    ],
)
def test_a_checkov_that_judged_nothing_is_a_harness_error(
    returncode: int, stdout: str, message: str
) -> None:
    with pytest.raises(HarnessError, match=re.escape(message)):
        verdict(returncode, stdout, "some stderr")


# ------------------------------------------------------------ inside lint.check


def computes(name: str, inputs: object, compute: Callable[[], list[str]]) -> list[str]:
    """A subject's once_per_gate in a gate of its own: every call computes."""
    return compute()


# A subject for the checks that read only files: each of its tool runs is its own.
FILES_ONLY = SimpleNamespace(once_per_gate=computes)


def lint_subject(dockerfile: Path) -> SimpleNamespace:
    return SimpleNamespace(
        target=SimpleNamespace(variant=SimpleNamespace(dockerfile=dockerfile)),
        once_per_gate=computes,
    )


def clean_dockerfile(tool_bin: Path, tmp_path: Path) -> Path:
    dockerfile = tmp_path / "Dockerfile"
    dockerfile.write_text("FROM python:3.13-slim\n")
    fake_tool(tool_bin, "hadolint", stdout="[]")
    fake_tool(tool_bin, "trivy", stdout="{}")
    return dockerfile


def test_lint_names_checkovs_findings_beside_the_others(tool_bin: Path, tmp_path: Path) -> None:
    dockerfile = clean_dockerfile(tool_bin, tmp_path)
    update_check = "CKV_SKIP_PACKAGE_UPDATE_CHECK"
    fake_tool(
        tool_bin,
        "checkov",
        stdout=report(failed=["CKV_K8S_22"]),
        exit_code=1,
        env_names=(update_check,),
    )
    with pytest.raises(PropertyFailed) as error:
        lint.check(lint_subject(dockerfile), lint.Params(k8s_manifest=DEPLOYMENT))
    assert str(error.value).startswith(
        "lint: hadolint found 0, trivy found 0 in Dockerfile, "
        "checkov found 1 in deployment.yaml:\n  checkov CKV_K8S_22 "
    )
    argv = json.loads((tool_bin / "checkov.argv").read_text())
    # Its kubernetes checks only, offline (no vendor download), all of them.
    assert argv[:4] == ["--file", str(DEPLOYMENT), "--framework", "kubernetes"]
    assert "--skip-download" in argv and "--check" not in argv and "--soft-fail" not in argv
    # Nor its request to pypi.org for a newer checkov.
    assert json.loads((tool_bin / "checkov.env").read_text()) == {update_check: "true"}


def test_lint_without_a_manifest_runs_no_checkov(tool_bin: Path, tmp_path: Path) -> None:
    dockerfile = clean_dockerfile(tool_bin, tmp_path)
    assert lint.check(lint_subject(dockerfile), lint.Params()) == "hadolint, trivy clean"
    assert not (tool_bin / "checkov.argv").exists()


def test_lint_without_checkov_is_a_harness_error(tool_bin: Path, tmp_path: Path) -> None:
    dockerfile = clean_dockerfile(tool_bin, tmp_path)
    with pytest.raises(HarnessError, match=r"^checkov is not installed: .*PyPI package checkov"):
        lint.check(lint_subject(dockerfile), lint.Params(k8s_manifest=DEPLOYMENT))


@pytest.mark.parametrize(("content", "error"), [(None, "cannot read"), ("a: [b\n", "not YAML")])
def test_a_manifest_checkov_would_call_clean_is_a_config_error(
    tool_bin: Path, tmp_path: Path, content: str | None, error: str
) -> None:
    dockerfile = clean_dockerfile(tool_bin, tmp_path)
    fake_tool(tool_bin, "checkov", stdout=EMPTY_SUMMARY)
    manifest = tmp_path / "deployment.yaml"
    if content is not None:
        manifest.write_text(content)
    with pytest.raises(ConfigError, match=error):
        lint.check(lint_subject(dockerfile), lint.Params(k8s_manifest=manifest))


# ------------------------------------------------------------ the real checkov

# checkov is a dev dependency: missing, these fail (a broken install), never skip.


def test_real_checkov_finds_nothing_in_the_shipped_deployment() -> None:
    assert lint._checkov(FILES_ONLY, DEPLOYMENT) == []


def test_real_checkov_flags_a_weakened_deployment_and_a_bare_skip(tmp_path: Path) -> None:
    text = DEPLOYMENT.read_text(encoding="utf-8")
    weakened = text.replace("readOnlyRootFilesystem: true", "readOnlyRootFilesystem: false")
    weakened = weakened.replace(
        "  labels: {app.kubernetes.io/name: fastapi-app}\nspec:\n  # Two",
        "  labels: {app.kubernetes.io/name: fastapi-app}\n"
        "  annotations: {checkov.io/skip1: CKV_K8S_14}\nspec:\n  # Two",
    )
    assert weakened.count("CKV_K8S_14}") == 1 and "Filesystem: false" in weakened
    manifest = tmp_path / "deployment.yaml"
    manifest.write_text(weakened, encoding="utf-8")
    found = lint._checkov(FILES_ONLY, manifest)
    assert len(found) == 2, found
    assert found[0].startswith("checkov CKV_K8S_22 Deployment.fastapi-app.fastapi-app lines ")
    assert found[1].startswith("checkov skip of CKV_K8S_14 ")


def test_real_checkov_takes_no_config_it_finds_on_its_own(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A .checkov.yaml in the folder the harness runs in (or home) skips no check.

    Its `skip-check` used to hide the finding: lint passed a weakened Deployment.
    """
    weakened = DEPLOYMENT.read_text(encoding="utf-8").replace(
        "readOnlyRootFilesystem: true", "readOnlyRootFilesystem: false"
    )
    (tmp_path / "deployment.yaml").write_text(weakened, encoding="utf-8")
    (tmp_path / ".checkov.yaml").write_text("skip-check:\n  - CKV_K8S_22\n")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("CKV_SKIP_CHECK", "CKV_K8S_22")
    found = lint._checkov(FILES_ONLY, Path("deployment.yaml"))
    assert [f.split(" Deployment")[0] for f in found] == ["checkov CKV_K8S_22"]
