"""Report rendering and the pure parts of the property checks."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from shipshape.filesystem import Entry
from shipshape.manifest import App
from shipshape.properties import (
    REGISTRY,
    build,
    env,
    listen,
    no_build_tools,
    no_leaks,
    no_setuid,
    pid1,
    sbom,
    user,
)
from shipshape.properties.cache import steps
from shipshape.properties.vulnerabilities import Params as VulnParams
from shipshape.properties.vulnerabilities import count
from shipshape.report import (
    Record,
    read_json,
    render_markdown_table,
    summary_lines,
    write_json,
)

REPO = Path(__file__).resolve().parents[2]


def record(prop: str, status: str, value: str | None = None, message: str = "") -> Record:
    return Record("fastapi", "minimal", "3.15", "linux/amd64", prop, status, value, message)


RECORDS = [
    record("size", "pass", "280 MB (+18)"),
    record("user", "fail", None, "user: the image sets no USER"),
    record("healthy", "skip", None, "not checked: the image did not build"),
]


def test_table_has_a_row_per_target_and_columns_in_registry_order() -> None:
    lines = render_markdown_table(RECORDS, tuple(REGISTRY)).splitlines()
    assert lines[0] == "| target | user | healthy | size |"
    assert lines[2] == "| fastapi/minimal/3.15/linux/amd64 | FAIL | skip | ok 280 MB (+18) |"


def test_summary_counts_failures_and_skip_reasons() -> None:
    lines = summary_lines(RECORDS, tuple(REGISTRY))
    text = "\n".join(lines)
    assert lines[0] == "FAIL fastapi/minimal/3.15/linux/amd64::user: user: the image sets no USER"
    assert "1 passed, 1 failed, 1 skipped, 0 harness errors over 1 target(s)" in lines[-1]
    assert "1 x not checked: the image did not build" in text
    assert "280 MB" not in text  # measured values only with -v


def test_the_terminal_report_fits_100_columns_for_many_targets() -> None:
    many = [
        Record(f"variant-{v}", f"app-{a}", "3.15", "linux/amd64", p, s, "x" * 300, "why " * 80)
        for v in range(6)
        for a in range(7)
        for p, s in (("user", "pass"), ("size", "fail"), ("healthy", "skip"))
    ]
    for verbose in (False, True):
        lines = summary_lines(many, tuple(REGISTRY), verbose=verbose)
        assert max(len(line) for line in lines) <= 100
    matrix = summary_lines(RECORDS, tuple(REGISTRY))
    assert any(line.startswith("user") and line.split()[1:] == ["✗"] for line in matrix)
    assert any(line.startswith("size") and line.split()[1:] == ["✓"] for line in matrix)


def test_measured_values_with_verbose() -> None:
    text = "\n".join(summary_lines(RECORDS, tuple(REGISTRY), verbose=True))
    assert "size             pass  280 MB (+18)" in text


def test_json_round_trip_and_keys(tmp_path: Path) -> None:
    path = tmp_path / "r.json"
    write_json(RECORDS, path)
    assert set(json.loads(path.read_text())[0]) == {
        "variant",
        "app",
        "python",
        "platform",
        "property",
        "status",
        "value",
        "message",
        "numbers",
        "reused",
        "measured_at",
        "shared_from",
    }
    assert read_json(path) == RECORDS


PROC_NET_TCP = """\
  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
   0: 0100007F:1F40 00000000:0000 0A 00000000:00000000 00:00000000 00000000 10001        0 1
   1: 0100007F:1F40 0100007F:C350 01 00000000:00000000 00:00000000 00000000 10001        0 2
   2: 00000000:1F41 00000000:0000 0A 00000000:00000000 00:00000000 00000000 10001        0 3
"""


def test_listening_addresses() -> None:
    assert listen.listening_addresses(PROC_NET_TCP, 8000) == {"0100007F"}  # not the ESTABLISHED one
    assert listen.listening_addresses(PROC_NET_TCP, 8001) == {"00000000"}
    assert listen.describe("0100007F") == "127.0.0.1"
    assert listen.describe("00000000") == "0.0.0.0"
    assert listen.describe("0" * 32) == "[::]"


def entry(path: str, kind: str = "file") -> Entry:
    return Entry(path, kind, 0o755, 1)


def test_no_build_tools_findings() -> None:
    entries = [
        entry("usr/local/bin/uv"),
        entry("usr/bin/gcc"),
        entry("usr/lib/gcc/x86_64-linux-gnu/12/cc1"),
        entry("root/.cache/pip", "dir"),
        entry("app/.venv/bin/uvx"),
        entry("usr/local/include/python3.15/Python.h"),
        entry("usr/share/doc/make"),
        entry("usr/bin/python3"),
    ]
    assert no_build_tools.findings(entries, no_build_tools.Params()) == [
        "usr/local/bin/uv",
        "usr/bin/gcc",
        "usr/lib/gcc/x86_64-linux-gnu/12/cc1",
        "root/.cache/pip",
        "app/.venv/bin/uvx",
    ]


def test_proc_status_ids() -> None:
    status = "Name:\tuvicorn\nUid:\t10001\t10001\t10001\t10001\nGid:\t0\t10001\t10001\t10001\n"
    assert user._ids(status, "Uid") == {10001}
    assert user._ids(status, "Gid") == {0, 10001}


def test_pid1_sees_through_qemu() -> None:
    cmdline = [
        "/usr/libexec/qemu-binfmt/aarch64-binfmt-P",
        "/app/.venv/bin/python",
        "/app/.venv/bin/python",
        "/app/.venv/bin/uvicorn",
        "app.main:app",
    ]
    assert pid1.without_emulator(cmdline)[:2] == ["/app/.venv/bin/python", "/app/.venv/bin/uvicorn"]
    assert pid1.without_emulator(["uvicorn"]) == ["uvicorn"]


def test_make_lock_stale_adds_a_locked_indirect_dependency(tmp_path: Path) -> None:
    for name in ("pyproject.toml", "uv.lock"):
        shutil.copy(REPO / "sample_apps" / "minimal" / name, tmp_path / name)
    added = build.make_lock_stale(tmp_path)
    assert added in (tmp_path / "uv.lock").read_text()
    assert f'"{added}"' in (tmp_path / "pyproject.toml").read_text()
    assert added not in ("fastapi", "uvicorn")


def test_compiled_share() -> None:
    site = "app/.venv/lib/python3.15/site-packages/pkg"
    entries = [
        entry(f"{site}/a.py"),
        entry(f"{site}/__pycache__/a.cpython-315.pyc"),
        entry(f"{site}/b.py"),
    ]
    assert env.compiled_share(entries, "/app/.venv", "cpython-315") == (1, 2)


def test_secret_like_env() -> None:
    found = no_leaks.secret_like_env(
        ["PATH=/usr/bin", "API_TOKEN=abc", "DB_PASSWORD=", "NOTE=ghp_abcdef", "LANG=C.UTF-8"],
        no_leaks.Params().secret_env_name,
    )
    assert found == ["API_TOKEN", "NOTE"]


def test_cache_steps_parse_buildkit_plain_progress() -> None:
    log = (
        "#9 [builder 3/6] RUN uv sync --no-install-project\n#9 CACHED\n"
        "#10 [builder 4/6] COPY . /app\n#10 DONE 0.1s\n"
    )
    described, cached = steps(log)
    assert described == {
        "9": "[builder 3/6] RUN uv sync --no-install-project",
        "10": "[builder 4/6] COPY . /app",
    }
    assert cached == {"9"}


def test_vulnerability_policy_fails_only_fixable_critical() -> None:
    report = {
        "Results": [
            {
                "Vulnerabilities": [
                    {
                        "VulnerabilityID": "CVE-1",
                        "Severity": "CRITICAL",
                        "PkgName": "a",
                        "FixedVersion": "2",
                    },
                    {
                        "VulnerabilityID": "CVE-2",
                        "Severity": "CRITICAL",
                        "PkgName": "b",
                        "FixedVersion": "",
                    },
                    {
                        "VulnerabilityID": "CVE-3",
                        "Severity": "HIGH",
                        "PkgName": "c",
                        "FixedVersion": "1",
                    },
                ]
            }
        ]
    }
    counts, failing = count(report, VulnParams())
    assert counts == {"CRITICAL": 2, "HIGH": 1}
    assert [f.split()[0] for f in failing] == ["CVE-1"]


def test_sbom_expects_declared_dependencies(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text(
        "[project]\nname = 'x'\n"
        "dependencies = ['FastAPI>=0.1', 'tomli; python_version < \"3.11\"']\n"
    )
    (tmp_path / "requirements.txt").write_text(
        "# pinned\nanyio==4.0 \\\n    --hash=sha256:00\n    # via fastapi\n"
        'exceptiongroup==1.2 ; python_version < "3.11" \\\n    --hash=sha256:11\n'
        "Typing_Extensions==4.12\n"
    )
    uv_app = App("x", tmp_path)
    pip_app = App("x", tmp_path, lockfile="requirements.txt")
    assert sbom.declared_dependencies(uv_app, "3.15") == {"fastapi"}
    assert sbom.declared_dependencies(uv_app, "3.10") == {"fastapi", "tomli"}
    assert sbom.declared_dependencies(pip_app, "3.15") == {"anyio", "typing-extensions"}


def test_no_setuid_names_each_file_and_its_bits() -> None:
    entries = [
        Entry("usr/bin/su", "file", 0o104755, 1),
        Entry("usr/bin/chage", "file", 0o102755, 1),
        Entry("usr/bin/ls", "file", 0o100755, 1),
        Entry("tmp", "dir", 0o41777, 0),  # sticky dirs are not setuid
        Entry("usr/bin/both", "file", 0o106755, 1),
    ]
    assert no_setuid.findings(entries, no_setuid.Params()) == [
        "usr/bin/su (setuid)",
        "usr/bin/chage (setgid)",
        "usr/bin/both (setuid+setgid)",
    ]
    allowed = no_setuid.Params(allowed_paths=("usr/bin/su", "usr/bin/ch*"))
    assert no_setuid.findings(entries, allowed) == ["usr/bin/both (setuid+setgid)"]


def test_an_app_without_indirect_dependencies_gives_no_probe_not_a_skip(tmp_path: Path) -> None:
    (tmp_path / "uv.lock").write_text('[[package]]\nname = "app"\nsource = { editable = "." }\n')
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "app"\ndependencies = []\n')
    with pytest.raises(build.NoStaleLockProbe, match="no indirect locked package"):
        build.make_lock_stale(tmp_path)
