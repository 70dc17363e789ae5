"""The benchmark's tables and summaries, from made-up records: the figures it
prints must not break on the harness's own types (a TargetId is not a str)."""

import importlib.util
import json
import sys
from pathlib import Path
from types import ModuleType

from shipshape.report import Record

REPO = Path(__file__).resolve().parents[2]


def load_benchmark() -> ModuleType:
    spec = importlib.util.spec_from_file_location("bench_run", REPO / "benchmarks" / "run.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    # Its dataclasses look their module up by name while they are made.
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def record(
    variant: str, prop: str, numbers: dict[str, float], reused: bool = False, status: str = "pass"
) -> Record:
    return Record(variant, "app", "3.12", "linux/amd64", prop, status, "v", "", numbers, reused)


RECORDS = [
    record("minimal", "healthy", {"seconds": 1.5}),
    record("fastapi", "healthy", {"seconds": 2.0}, reused=True),
    record("fastapi", "sigterm", {"seconds": 0.5}, reused=True),
    record("fastapi", "size", {"size_mb": 120.0, "added_mb": 20.0}, reused=True),
]


def test_per_target_table_sorts_targets_and_shows_their_numbers():
    bench = load_benchmark()
    lines = bench.per_variant(RECORDS).splitlines()
    assert [line.split()[0] for line in lines[2:]] == [
        "fastapi/app/3.12/linux/amd64",
        "minimal/app/3.12/linux/amd64",
    ]
    assert "120.0 MB" in lines[2] and "2.0 s" in lines[2] and "0.5 s" in lines[2]


def test_containers_own_time_sums_healthy_and_stop_over_targets():
    assert load_benchmark().containers_own_time(RECORDS) == 4.0


def test_suite_summary_names_the_rechecked_targets_and_writes_json():
    bench = load_benchmark()
    not_checked = record("alpine", "size", {}, status="skip")
    runs = {
        "reused": bench.SuiteRun(40.0, 0, RECORDS[1:], [], 60),
        "one_template": bench.SuiteRun(90.0, 0, [*RECORDS, not_checked], ["tests.mutants::m1"], 59),
    }
    text, figures = bench.suite_summary(runs)
    assert figures["suite_one_template_rechecked"] == ["minimal/app/3.12/linux/amd64"]
    assert figures["suite_reused_s"] == 40.0
    assert "reused: 3 of 3 matrix verdicts, 60 of 60 engine tests" in text
    assert "engine tests run: tests.mutants::m1" in text
    json.dumps(figures)  # --json writes these


JUNIT = """<testsuites><testsuite>
<testcase classname="tests.mutants.test_mutants" name="test_mutant_is_caught[a]">
  <properties><property name="reused" value="2026-12-03T10:00:00+00:00"/></properties>
</testcase>
<testcase classname="tests.acceptance.test_harness_runs" name="test_killed">
  <properties><property name="engine_test_run" value="1"/></properties>
</testcase>
<testcase classname="tests.corpus.test_corpus" name="test_init_writes[x]"/>
</testsuite></testsuites>"""


def test_engine_tests_are_those_that_say_so_not_every_test_of_their_folder(tmp_path: Path):
    junit = tmp_path / "junit.xml"
    junit.write_text(JUNIT)
    ran, reused = load_benchmark().engine_tests(junit)
    assert ran == ["tests.acceptance.test_harness_runs::test_killed"]
    assert reused == 1
