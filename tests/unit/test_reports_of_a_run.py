"""The reports of a whole run (terminal, JUnit, Markdown), with the checks stubbed out:
what a CI dashboard and a job summary get from shipshape."""

from __future__ import annotations

import dataclasses
import json
import xml.etree.ElementTree as ET
from pathlib import Path

import docker.errors
import pytest

from shipshape import engine
from shipshape.errors import NotChecked, PropertyFailed
from shipshape.properties import REGISTRY, Measured
from tests.support.stub_project import manifest, stub_project

MANIFEST = manifest("{user: {}, size: {}, healthy: {}}")


@dataclasses.dataclass
class FakeImage:
    id: str

    @property
    def attrs(self) -> dict[str, object]:
        # Another id, other content: here, another top layer.
        return {"Id": self.id, "RootFS": {"Type": "layers", "Layers": [self.id]}}

    def history(self) -> list[dict[str, object]]:
        return [{"Id": self.id, "CreatedBy": 'CMD ["uvicorn"]', "Size": 0}]


class FakeImages:
    """The built images (shipshape/... tags) exist, with an id a test may change; no base does."""

    def __init__(self) -> None:
        self.built_id = "sha256:first"

    def get(self, ref: str) -> FakeImage:
        if not ref.startswith("shipshape/"):
            raise docker.errors.ImageNotFound(ref)
        return FakeImage(self.built_id)


class FakeEngine:
    """Just enough of a Docker client for fingerprints: nothing builds, nothing runs."""

    class api:
        base_url = "http+docker://localhost"

    def __init__(self) -> None:
        self.images = FakeImages()

    def info(self) -> dict[str, str]:
        return {"Driver": "overlay2"}


@pytest.fixture
def run(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch):
    stub_project(pytester, MANIFEST)

    def measured(subject: object, params: object) -> Measured:
        return Measured("281 MB (+18)", {"size_mb": 281.0, "base_mb": 263.0, "added_mb": 18.0})

    def fails(subject: object, params: object) -> str:
        raise PropertyFailed("user: the image sets no USER, so it runs as root\nmore detail")

    def passes(subject: object, params: object) -> str:
        return "1.2s of 10s"

    for prop, check in (("size", measured), ("user", fails), ("healthy", passes)):
        monkeypatch.setitem(REGISTRY, prop, dataclasses.replace(REGISTRY[prop], check=check))
    fake = FakeEngine()
    monkeypatch.setattr(engine, "connect", lambda: fake)
    pytester.fake_engine = fake  # type: ignore[attr-defined]  # a test may rebuild the image
    monkeypatch.setenv("SHIPSHAPE_CACHE_DIR", str(pytester.path / "cache"))
    monkeypatch.delenv("SHIPSHAPE_FRESH", raising=False)  # .ci/run sets it; these tests decide
    # Inside shipshape's suite this process is in the suite's gate; each
    # in-process run here is a gate of its own, as a user's run is.
    monkeypatch.delenv("SHIPSHAPE_GATE", raising=False)
    monkeypatch.setattr(engine, "native_platform", lambda c: "linux/amd64")
    monkeypatch.setattr(engine, "remove_labelled", lambda c, **kw: 0)
    monkeypatch.setattr(engine, "remove_run", lambda c, run_id: None)
    monkeypatch.setattr(engine, "facts", lambda c, b: "engine: Docker (stub)")
    return pytester


def test_junit_carries_the_measured_values_grouped_by_target(run: pytest.Pytester) -> None:
    junit = run.path / "junit.xml"
    run.runpytest_inprocess("shipshape.yaml", f"--junitxml={junit}")
    cases = {c.get("name"): c for c in ET.parse(junit).getroot().iter("testcase")}
    assert set(cases) == {"user", "healthy", "size"}
    assert {c.get("classname") for c in cases.values()} == {
        "shipshape.yaml.prod/web/3.15/linux/amd64"
    }
    properties = {p.get("name"): p.get("value") for p in cases["size"].iter("property")}
    assert properties == {
        "shipshape.status": "pass",
        "shipshape.value": "281 MB (+18)",
        "shipshape.message": "",
        "shipshape.reused": "",
        "shipshape.shared_from": "",
    }
    user = {p.get("name"): p.get("value") for p in cases["user"].iter("property")}
    assert user["shipshape.status"] == "fail"
    assert user["shipshape.message"] == "user: the image sets no USER, so it runs as root"


def test_markdown_has_the_table_the_failure_and_a_mermaid_size_chart(run: pytest.Pytester) -> None:
    markdown = run.path / "report.md"
    run.runpytest_inprocess("shipshape.yaml", f"--shipshape-markdown={markdown}")
    text = markdown.read_text()
    assert "| target | user | healthy | size |" in text
    assert "**`prod/web/3.15/linux/amd64` :: `user`** (fail): user: the image sets no USER" in text
    assert "<details><summary>log</summary>" in text and "more detail" in text
    assert "```mermaid\nxychart-beta" in text
    assert 'x-axis ["prod/web py3.15 amd64"]' in text
    assert "bar [263]" in text and "bar [18]" in text
    assert not list(run.path.glob("*.png"))


def test_the_terminal_report_leads_with_failures_and_fits(run: pytest.Pytester) -> None:
    result = run.runpytest_inprocess("shipshape.yaml")
    lines = result.stdout.lines
    start = next(i for i, line in enumerate(lines) if "shipshape property report" in line)
    report = lines[start + 1 :]
    assert report[0] == "engine: Docker (stub)"
    assert report[1].startswith(
        "FAIL prod/web/3.15/linux/amd64::user: user: the image sets no USER"
    )
    assert all(len(line) <= 100 for line in report if not line.startswith(("=", "FAILED")))
    assert any(line.startswith("shipshape: 2 passed, 1 failed") for line in report)
    json_path = run.path / "r.json"
    run.runpytest_inprocess("shipshape.yaml", "--shipshape-json", str(json_path))
    assert {r["property"]: r["status"] for r in json.loads(json_path.read_text())} == {
        "user": "fail",
        "healthy": "pass",
        "size": "pass",
    }


def _report(result: pytest.RunResult) -> str:
    lines = result.stdout.lines
    start = next(i for i, line in enumerate(lines) if "shipshape property report" in line)
    return "\n".join(lines[start + 1 : start + 12])


def test_colour_comes_from_pytests_writer(
    run: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    """pytest's writer decides: a TTY, --color, NO_COLOR and PY_COLORS are all honoured."""
    monkeypatch.delenv("PY_COLORS", raising=False)
    assert "\x1b[31m✗" in _report(run.runpytest_inprocess("shipshape.yaml", "--color=yes"))
    monkeypatch.setenv("NO_COLOR", "1")
    assert "\x1b[" not in _report(run.runpytest_inprocess("shipshape.yaml"))


def test_reports_write_no_file_beside_them(run: pytest.Pytester, tmp_path: Path) -> None:
    out = tmp_path / "out"
    run.runpytest_inprocess("shipshape.yaml", f"--shipshape-markdown={out / 'r.md'}")
    assert [p.name for p in out.iterdir()] == ["r.md"]


@pytest.fixture
def calls(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Each time the `healthy` check really ran (it passes with "1.2s of 10s")."""
    calls: list[str] = []

    def counted(subject: object, params: object) -> str:
        calls.append("healthy")
        return "1.2s of 10s"

    monkeypatch.setitem(
        REGISTRY, "healthy", dataclasses.replace(REGISTRY["healthy"], check=counted)
    )
    return calls


def test_unchanged_passes_are_reused_and_fresh_rechecks(
    run: pytest.Pytester, calls: list[str]
) -> None:
    report = run.path / "r.json"

    def healthy() -> dict:
        run.runpytest_inprocess("shipshape.yaml", "--shipshape-json", str(report), *extra)
        return next(r for r in json.loads(report.read_text()) if r["property"] == "healthy")

    extra: tuple[str, ...] = ()
    first = healthy()
    assert (first["reused"], len(calls)) == (False, 1)
    again = healthy()
    assert again["reused"] and again["measured_at"] and len(calls) == 1
    assert again["value"] == "1.2s of 10s"
    # A failure is never stored: `user` fails every time it is asked.
    statuses = {r["property"]: r["reused"] for r in json.loads(report.read_text())}
    assert statuses["user"] is False
    extra = ("--shipshape-fresh",)
    assert healthy()["reused"] is False and len(calls) == 2
    extra = ()
    # A changed input (the healthy budget) is a new fingerprint: checked again.
    run.path.joinpath("shipshape.yaml").write_text(
        MANIFEST.replace("healthy: {}", "healthy: {within_s: 20}")
    )
    assert healthy()["reused"] is False and len(calls) == 3
    assert healthy()["reused"] and len(calls) == 3
    # The same plan built into another image (a base tag the builder pulled
    # has moved): every verdict that reads the image is checked again.
    run.fake_engine.images.built_id = "sha256:second"
    assert healthy()["reused"] is False and len(calls) == 4


TWO_NAMES = (
    "apps:\n  web: {path: app}\n  api: {path: app}\nvariants:\n"
    "  prod:\n    dockerfile: Dockerfile\n    apps: [web]\n    properties: {healthy: {}}\n"
    "  copy:\n    dockerfile: Dockerfile\n    apps: [api]\n    properties: {healthy: {}}\n"
)


def test_two_targets_of_one_image_share_one_check_also_in_a_fresh_run(
    run: pytest.Pytester, calls: list[str]
) -> None:
    """Same plan, same image, same settings, other names: checked once, shown as shared."""
    run.path.joinpath("shipshape.yaml").write_text(TWO_NAMES)
    report = run.path / "r.json"
    for fresh_run, extra in enumerate(((), ("--shipshape-fresh",)), start=1):
        result = run.runpytest_inprocess("shipshape.yaml", "--shipshape-json", str(report), *extra)
        records = {r["variant"]: r for r in json.loads(report.read_text())}
        # A fresh run takes nothing from the first: it checks once again.
        assert len(calls) == fresh_run
        checked, shared = sorted(records.values(), key=lambda r: bool(r["shared_from"]))
        assert not checked["shared_from"] and not checked["reused"]
        assert shared["shared_from"] == f"{checked['variant']}/{checked['app']}/3.15/linux/amd64"
        assert not shared["reused"] and shared["value"] == "1.2s of 10s"
        assert any("2 passed (1 shared)" in line for line in result.stdout.lines)


def test_a_crash_in_a_check_is_a_harness_error_never_a_verdict(
    run: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    def crashes(subject: object, params: object) -> str:
        raise KeyError("Config")  # a bug in the check, not a property of the image

    monkeypatch.setitem(REGISTRY, "size", dataclasses.replace(REGISTRY["size"], check=crashes))
    report = run.path / "r.json"
    result = run.runpytest_inprocess("shipshape.yaml", "--shipshape-json", str(report))
    size = next(r for r in json.loads(report.read_text()) if r["property"] == "size")
    assert size["status"] == "error"
    assert size["message"] == "harness crash in the size check: KeyError: 'Config'"
    assert result.ret != pytest.ExitCode.OK


def test_strict_turns_a_skip_into_a_failure(
    run: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    def not_checked(subject: object, params: object) -> str:
        raise NotChecked("the image did not build (build failed)")

    monkeypatch.setitem(REGISTRY, "size", dataclasses.replace(REGISTRY["size"], check=not_checked))
    report = run.path / "r.json"

    def size() -> dict:
        return next(r for r in json.loads(report.read_text()) if r["property"] == "size")

    run.runpytest_inprocess("shipshape.yaml", "--shipshape-json", str(report))
    assert (size()["status"], size()["message"]) == (
        "skip",
        "not checked: the image did not build (build failed)",
    )
    run.runpytest_inprocess("shipshape.yaml", "--shipshape-json", str(report), "--shipshape-strict")
    assert size()["status"] == "fail"
    assert size()["message"].startswith("strict: would be skipped: not checked: the image did not")


def test_a_run_that_judged_nothing_is_not_green(
    run: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    def not_checked(subject: object, params: object) -> str:
        raise NotChecked("no emulator for linux/riscv64")

    for prop in ("user", "size", "healthy"):
        monkeypatch.setitem(REGISTRY, prop, dataclasses.replace(REGISTRY[prop], check=not_checked))
    assert run.runpytest_inprocess("shipshape.yaml").ret == pytest.ExitCode.TESTS_FAILED
