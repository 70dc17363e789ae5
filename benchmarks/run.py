"""shipshape benchmarks: figures printed side by side, not timed tests.

    uv run python benchmarks/run.py          # warm figures, per-variant table, CST comparison
    uv run python benchmarks/run.py --cold   # also cold builds and -n 2 vs -n 0
                                             # (--cold empties BuildKit's cache: minutes)
    uv run python benchmarks/run.py --suite  # also the README's whole test command with
                                             # nothing changed, and after one template edit
                                             # (--suite-fresh: fresh too: most of an hour)
    uv run python benchmarks/run.py --mutants [NAME,...]
                                             # also the shared mutant child run, fresh: the
                                             # fresh suite's critical path (about 22 min)

Each figure says how it was measured. Nothing here asserts a speed: a noisy
machine changes the numbers, not the verdict of any test.
"""

from __future__ import annotations

import argparse
import collections
import json
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from xml.etree import ElementTree

import yaml

from shipshape import engine
from shipshape.bases import load_bases
from shipshape.build import (
    BuildOptions,
    build_image,
    buildx_command,
    plan_build,
    stage_dockerfile,
)
from shipshape.manifest import Selection, expand_targets, load_manifest
from shipshape.properties import PARAMS
from shipshape.report import Record, read_json
from shipshape.runstate import DEFAULT_CACHE

REPO = Path(__file__).resolve().parent.parent
MUTANTS = REPO / "tests" / "mutants" / "mutants.yaml"
MANIFEST = REPO / "shipshape.yaml"
BASES = REPO / ".shipshape" / "bases.txt"
CST_CONFIG = REPO / "benchmarks" / "cst-fastapi.yaml"


def pytest_run(*args: str) -> tuple[float, list[Record]]:
    """Wall seconds of a harness run on the manifest, and its records."""
    with tempfile.TemporaryDirectory() as tmp:
        report = Path(tmp) / "report.json"
        command = [
            sys.executable,
            "-m",
            "pytest",
            str(MANIFEST),
            "-q",
            "-p",
            "no:cacheprovider",
            "--shipshape-json",
            str(report),
            *args,
        ]
        started = time.monotonic()
        subprocess.run(command, cwd=REPO, capture_output=True, text=True, check=False)
        wall = time.monotonic() - started
        return wall, read_json(report) if report.exists() else []


@dataclass(frozen=True)
class SuiteRun:
    """One run of the README's test command (`pytest -n 2`)."""

    wall_s: float
    exit_code: int
    # The property matrix's records (shipshape.yaml).
    records: list[Record]
    # shipshape's own engine tests (mutants, corpus, acceptance): run, and reused.
    engine_tests_run: list[str]
    engine_tests_reused: int


def engine_tests(junit: Path) -> tuple[list[str], int]:
    """The engine tests a run ran (names), and how many it reused, from its JUnit report.

    An engine test says which it was (`reused`, `engine_test_run`); a test
    without an engine, cheap and never reused, is neither."""
    ran, reused = [], 0
    for case in ElementTree.parse(junit).iter("testcase"):
        names = {prop.get("name") for prop in case.iter("property")}
        if "reused" in names:
            reused += 1
        elif "engine_test_run" in names:
            ran.append(f"{case.get('classname')}::{case.get('name')}")
    return ran, reused


def suite_run(*args: str) -> SuiteRun:
    """The README's test command, timed, with its matrix records and engine tests."""
    with tempfile.TemporaryDirectory() as tmp:
        report, junit = Path(tmp) / "report.json", Path(tmp) / "junit.xml"
        command = [sys.executable, "-m", "pytest", "-n", "2", "-q", "-p", "no:cacheprovider"]
        command += ["--shipshape-json", str(report), "--junitxml", str(junit), *args]
        started = time.monotonic()
        done = subprocess.run(command, cwd=REPO, capture_output=True, text=True, check=False)
        wall = time.monotonic() - started
        records = read_json(report) if report.exists() else []
        ran, reused = engine_tests(junit) if junit.exists() else ([], 0)
        return SuiteRun(wall, done.returncode, records, ran, reused)


def mutant_run_figures(names: Sequence[str]) -> tuple[str, dict[str, object]]:
    """The mutants' shared child run, fresh, as the suite runs it: wall and worker-seconds.

    `names`: those mutants only (default: every mutant without options of its
    own). Worker-seconds are JUnit's per-item times summed: the run's work,
    whatever the parallelism; by property and by mutant.
    """
    sys.path.insert(0, str(REPO))  # tests.support: the suite's own manifest writer and child run
    from tests.support.harness import Harness
    from tests.support.manifests import write_many_mutants_manifest

    specs = {k: v for k, v in yaml.safe_load(MUTANTS.read_text()).items() if "options" not in v}
    if names:
        specs = {name: specs[name] for name in names}
    with tempfile.TemporaryDirectory() as tmp:
        manifest = write_many_mutants_manifest(REPO, specs, Path(tmp))
        junit = Path(tmp) / "junit.xml"
        harness = Harness(BASES if BASES.exists() else None)
        options = ("-n", "2", "--dist", "loadgroup", "--shipshape-fresh", "--junitxml", str(junit))
        started = time.monotonic()
        harness.run(manifest, *options, timeout_s=3600)
        wall = time.monotonic() - started
        by_property: dict[str, float] = collections.defaultdict(float)
        by_mutant: dict[str, float] = collections.defaultdict(float)
        for case in ElementTree.parse(junit).iter("testcase") if junit.exists() else ():
            seconds = float(case.get("time") or 0)
            by_property[case.get("name", "").split("@")[0]] += seconds
            by_mutant[case.get("classname", "").lstrip(".").split("/")[0]] += seconds
    work = sum(by_property.values())
    lines = [f"{len(specs)} mutants, -n 2, fresh: {wall:.0f} s wall, {work:.0f} worker-seconds"]
    for title, counts in (("property", by_property), ("mutant", by_mutant)):
        top = sorted(counts.items(), key=lambda item: -item[1])[:12]
        rows = [(name, fmt(s, " s"), f"{100 * s / work:.0f} %" if work else "—") for name, s in top]
        lines += ["", table((title, "worker-seconds", "share"), rows)]
    figures = {
        "mutant_run_s": wall,
        "mutant_run_worker_s": work,
        "mutant_run_by_property_s": dict(by_property),
        "mutant_run_by_mutant_s": dict(by_mutant),
    }
    return "\n".join(lines), figures


# The template the "one template changed" figure edits (a new comment appended,
# then restored): its targets and its mutants must be all that is re-checked.
EDITED_TEMPLATE = REPO / "dockerfiles" / "Dockerfile.requirements"

# Issue 13's figures before the verdict store and its targets, in seconds
# (or, for verify, the ratio to the containers' own time to healthy + stop).
BEFORE_AND_TARGET = {
    "suite_reused_s": (630.0, 60.0),
    "suite_fresh_s": (630.0, 300.0),
    "verify_fresh_ratio": (6.8, 2.5),
}


def suite_figures(fresh: bool) -> tuple[str, dict[str, object]]:
    """The README's test command with nothing changed and after one template edit; fresh too.

    `fresh`: also `--shipshape-fresh` (every verdict and engine test afresh:
    the better part of an hour on a build machine).
    """
    suite_run()  # fills the stores and builds every image: the runs below are warm
    runs = {"fresh": suite_run("--shipshape-fresh")} if fresh else {}
    runs["reused"] = suite_run()
    original = EDITED_TEMPLATE.read_text()
    try:
        # A change never made before: the same comment twice would find its
        # verdicts stored by the first run, and nothing would be re-checked.
        change = f"\n# benchmark: a one-line change ({time.time_ns()})\n"
        EDITED_TEMPLATE.write_text(original + change)
        runs["one_template"] = suite_run()
    finally:
        EDITED_TEMPLATE.write_text(original)
    return suite_summary(runs)


def suite_summary(runs: dict[str, SuiteRun]) -> tuple[str, dict[str, object]]:
    """What the runs of the test command reused and re-checked: text, and the figures."""
    edited = runs["one_template"]
    # A skip is not a verdict: it is neither stored nor re-checked.
    rechecked = sorted(
        {str(r.target_id) for r in edited.records if not r.reused and r.status != "skip"}
    )
    figures: dict[str, object] = {f"suite_{name}_s": run.wall_s for name, run in runs.items()}
    figures["suite_exit_codes"] = {name: run.exit_code for name, run in runs.items()}
    figures["suite_one_template_rechecked"] = rechecked
    figures["suite_one_template_engine_tests_run"] = edited.engine_tests_run
    lines = []
    for name, run in runs.items():
        matrix = f"{sum(r.reused for r in run.records)} of {len(run.records)} matrix verdicts"
        lines.append(
            f"{name + ':':14} {run.wall_s:7.1f}s (exit {run.exit_code}); reused: {matrix}, "
            f"{run.engine_tests_reused} of "
            f"{run.engine_tests_reused + len(run.engine_tests_run)} engine tests"
        )
    lines.append(
        f"{EDITED_TEMPLATE.name} edited: matrix targets re-checked: "
        + (", ".join(rechecked) or "none")
    )
    lines.append("  engine tests run: " + (", ".join(edited.engine_tests_run) or "none"))
    return "\n".join(lines), figures


def targets_table(figures: dict[str, object]) -> str:
    """Issue 13's targets side by side with the figures before and now."""
    rows = []
    for key, (before, target) in BEFORE_AND_TARGET.items():
        now = figures.get(key)
        unit = "x" if key.endswith("ratio") else " s"
        if isinstance(now, float):
            met = "met" if now <= target else "NOT met"
            rows.append((key, f"{before:.1f}{unit}", f"<= {target:.1f}{unit}", fmt(now, unit), met))
        else:
            rows.append((key, f"{before:.1f}{unit}", f"<= {target:.1f}{unit}", "not run", ""))
    return table(("figure", "before", "target", "now", ""), rows)


def verify_ratio() -> tuple[float, float, float]:
    """`shipshape verify -n 2 --shipshape-fresh` wall, its containers' own time, the ratio."""
    with tempfile.TemporaryDirectory() as tmp:
        report = Path(tmp) / "report.json"
        command = [sys.executable, "-m", "shipshape.cli", "verify", "-n", "2"]
        command += ["--shipshape-fresh", "--shipshape-json", str(report)]
        started = time.monotonic()
        subprocess.run(command, cwd=REPO, capture_output=True, text=True, check=False)
        wall = time.monotonic() - started
        records = read_json(report) if report.exists() else []
    bare = containers_own_time(records)
    return wall, bare, (wall / bare if bare else float("nan"))


def containers_own_time(records: Sequence[Record]) -> float:
    """The sum over targets of time to healthy + stop: what no harness can avoid."""
    return sum(
        (number(records, t, "healthy", "seconds") or 0)
        + (number(records, t, "sigterm", "seconds") or 0)
        for t in {r.target_id for r in records}
    )


def number(records: Sequence[Record], target: str, prop: str, key: str) -> float | None:
    for r in records:
        if r.target_id == target and r.property == prop and key in r.numbers:
            return r.numbers[key]
    return None


def table(header: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    cells = [[str(c) for c in header]] + [[str(c) for c in row] for row in rows]
    widths = [max(len(row[i]) for row in cells) for i in range(len(header))]
    lines = ["  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)) for row in cells]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def fmt(value: float | None, unit: str = "") -> str:
    return "—" if value is None else f"{value:.1f}{unit}"


# ------------------------------------------------------------------ figures


def per_variant(records: Sequence[Record]) -> str:
    targets = sorted({r.target_id for r in records})
    rows = [
        (
            t,
            fmt(number(records, t, "size", "size_mb"), " MB"),
            fmt(number(records, t, "size", "added_mb"), " MB"),
            fmt(number(records, t, "healthy", "seconds"), " s"),
            fmt(number(records, t, "sigterm", "seconds"), " s"),
            fmt(number(records, t, "cache", "rebuild_s"), " s"),
        )
        for t in targets
    ]
    header = ("target", "image", "over base", "to healthy", "stop", "rebuild (source only)")
    return table(header, rows)


def overhead(warm_wall: float, records: Sequence[Record]) -> str:
    bare = containers_own_time(records)
    ratio = warm_wall / bare if bare else float("nan")
    return table(
        ("warm run of the matrix (-n 0)", "sum of time-to-healthy + stop", "ratio"),
        [(fmt(warm_wall, " s"), fmt(bare, " s"), f"{ratio:.1f}x")],
    )


def prune_build_cache(client) -> None:
    subprocess.run(["docker", "builder", "prune", "-af"], capture_output=True, check=False)
    for image in client.images.list(filters={"label": "shipshape.target"}):
        client.images.remove(image.id, force=True)


def cold_builds(client, options: BuildOptions) -> str:
    """Per target: harness build vs the same `docker buildx build`, each from an empty cache."""
    manifest = load_manifest(MANIFEST, PARAMS)
    targets, _ = expand_targets(manifest, Selection(), engine.native_platform(client))
    rows = []
    for target in targets:
        plan = plan_build(target, options, client)
        missing = next(
            (why for ref in plan.bases if (why := options.bases.unavailable(ref, target.platform))),
            None,
        )
        if missing:  # a failed pull on both sides would time nothing real
            rows.append((target.id, "not built here", missing[:60], "—"))
            continue
        prune_build_cache(client)
        started = time.monotonic()
        build_image(plan, options, client)
        harness = time.monotonic() - started
        prune_build_cache(client)
        command = buildx_command(plan, options, stage_dockerfile(plan, options.cache_dir))
        started = time.monotonic()
        subprocess.run(command, capture_output=True, check=False)
        raw = time.monotonic() - started
        rows.append((target.id, fmt(harness, " s"), fmt(raw, " s"), f"{harness / raw:.2f}x"))
    return table(("target", "harness (plan+hash+lock+build)", "docker buildx build", "ratio"), rows)


def xdist(client) -> str:
    prune_build_cache(client)
    serial, _ = pytest_run("-n", "0")
    prune_build_cache(client)
    parallel, _ = pytest_run("-n", "2")
    return table(
        ("cold matrix -n 0", "cold matrix -n 2", "speed-up"),
        [(fmt(serial, " s"), fmt(parallel, " s"), f"{serial / parallel:.2f}x")],
    )


# --------------------------------------------------- container-structure-test


CAPABILITIES = [
    # property, container-structure-test, shipshape
    ("user", "Config.User; `id -u` of a NEW process", "Config.User + PID 1's uid/gid live"),
    ("healthy", "cannot (no HEALTHCHECK run, no timing)", "engine health state, time to healthy"),
    ("listen", "EXPOSE only", "socket bound to 0.0.0.0 + GET via 127.0.0.1 port"),
    ("pid1", "Cmd as declared", "/proc/1/cmdline of the running server"),
    ("sigterm", "cannot", "docker stop: exit code, time, in-flight request"),
    ("no-build-tools", "named paths only", "whole exported filesystem by pattern"),
    ("no-setuid", "named paths' permissions only", "mode bits of every file in the image"),
    ("no-leaks", "named paths only", "canary in every layer, history, config"),
    ("size", "cannot", "size and size over base vs budget"),
    ("hardened", "cannot (no run flags)", "the Deployment's securityContext and limits"),
    ("cache", "cannot (needs a rebuild)", "BuildKit CACHED on a source-only change"),
    ("build", "cannot (image must exist)", "stale lock must fail the build"),
]


def structure_test(client, options: BuildOptions) -> str:
    manifest = load_manifest(MANIFEST, PARAMS)
    targets, _ = expand_targets(
        manifest, Selection(variants=("fastapi",)), engine.native_platform(client)
    )
    built = build_image(plan_build(targets[0], options, client), options, client)
    binary = shutil.which("container-structure-test")
    if binary is None:
        verdict = "not run: `uv run --with container-structure-test python benchmarks/run.py`"
    else:
        started = time.monotonic()
        done = subprocess.run(
            [binary, "test", "--image", built.tag, "--config", str(CST_CONFIG), "--output", "json"],
            capture_output=True,
            text=True,
            check=False,
        )
        seconds = time.monotonic() - started
        try:
            result = json.loads(done.stdout)
            verdict = f"{result['Pass']} passed, {result['Fail']} failed in {seconds:.1f} s"
        except (json.JSONDecodeError, KeyError):
            verdict = f"exit {done.returncode}: {(done.stdout + done.stderr)[-300:]}"
    return f"container-structure-test on {built.tag}: {verdict}\n\n" + table(
        ("property", "container-structure-test", "shipshape"), CAPABILITIES
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--cold", action="store_true", help="also cold builds and -n 2 vs -n 0")
    parser.add_argument(
        "--suite",
        action="store_true",
        help="also the whole test command: nothing changed, one template edited (tens of minutes)",
    )
    parser.add_argument(
        "--suite-fresh",
        action="store_true",
        help="with --suite: the whole test command fresh too (the better part of an hour)",
    )
    parser.add_argument(
        "--mutants",
        nargs="?",
        const="",
        metavar="NAME,...",
        help="also the shared mutant child run, fresh (all, or the mutants named)",
    )
    parser.add_argument("--json", type=Path, help="also write every figure printed to PATH")
    args = parser.parse_args(argv)
    client = engine.connect()
    options = BuildOptions(
        cache_dir=DEFAULT_CACHE, bases=load_bases(BASES if BASES.exists() else None)
    )

    pytest_run()  # make sure every image exists: the next run is warm
    fresh_wall, _ = pytest_run("-n", "2", "--shipshape-fresh")
    pytest_run("-n", "2")  # fills the verdict store
    reused_wall, reused = pytest_run("-n", "2")
    print("== verdict reuse (images built; shipshape.yaml with -n 2) ==")
    print(f"fresh (--shipshape-fresh): {fresh_wall:6.1f}s")
    print(
        f"nothing changed (reused):  {reused_wall:6.1f}s "
        f"({sum(r.reused for r in reused)} of {len(reused)} verdicts reused)"
    )
    figures: dict[str, object] = {"fresh_s": fresh_wall, "reused_s": reused_wall}
    verify_s, verify_bare_s, ratio = verify_ratio()
    figures.update(verify_fresh_s=verify_s, verify_bare_s=verify_bare_s, verify_fresh_ratio=ratio)
    print(
        f"verify -n 2 --shipshape-fresh: {verify_s:.1f}s, {ratio:.1f}x its containers' own "
        f"time to healthy + stop ({verify_bare_s:.1f}s)"
    )
    if args.suite:
        print("\n== the README's test command (uv run pytest -n 2) ==")
        text, suite = suite_figures(fresh=args.suite_fresh)
        print(text)
        figures.update(suite)
    if args.mutants is not None:
        print("\n== the mutants' shared child run (the fresh suite's critical path) ==")
        text, mutant_figures = mutant_run_figures([n for n in args.mutants.split(",") if n])
        print(text)
        figures.update(mutant_figures)
    print("\n== issue 13's targets ==")
    print(targets_table(figures))
    warm_wall, records = pytest_run("-n", "0", "--shipshape-fresh")
    figures["warm_serial_s"] = warm_wall
    print("== per target (warm run of shipshape.yaml) ==")
    print(per_variant(records))
    print("\n== harness overhead ==")
    print(overhead(warm_wall, records))
    if args.cold:
        print("\n== cold build: harness vs docker buildx build ==")
        print(cold_builds(client, options))
        print("\n== pytest -n 2 vs -n 0 (cold) ==")
        print(xdist(client))
    print("\n== container-structure-test vs shipshape ==")
    print(structure_test(client, options))
    if args.json:
        figures["records"] = [r.to_json() for r in records]
        args.json.write_text(json.dumps(figures, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
