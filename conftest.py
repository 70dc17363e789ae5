"""Fixtures shared by shipshape's own tests.

The property checks themselves come from the shipshape plugin (installed
under the `pytest11` entry point), which collects `shipshape.yaml`; this file
only helps the tests that run the harness on generated manifests (mutants).
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from shipshape.runstate import bases_path, cache_dir, checks_afresh
from shipshape.verdicts import VerdictStore
from tests.support import reuse
from tests.support.harness import Harness

# pytester runs the plugin in-process on generated manifests (tests/unit).
# pytest only honours pytest_plugins in the rootdir conftest.
pytest_plugins = ["pytester"]

REPO = Path(__file__).resolve().parent


@pytest.fixture(scope="session")
def repo() -> Path:
    return REPO


@pytest.fixture(scope="session")
def harness(pytestconfig: pytest.Config) -> Harness:
    return Harness(bases=bases_path(pytestconfig))


# ----------------------------------------------- engine tests, reused when unchanged


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "reuse_inputs(inputs): files this engine test provably does not read"
    )


def _outcomes(config: pytest.Config) -> VerdictStore:
    # Which session stored a pass is kept for the record; reuse.py decides what is reused.
    session = os.environ.get("PYTEST_XDIST_TESTRUNUID") or str(os.getpid())
    return VerdictStore(
        cache_dir(config.getoption("--shipshape-cache-dir")) / "test-outcomes", session
    )


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    reuse.mark_reusable(items, _outcomes(config), checks_afresh(config), bases_path(config))


@pytest.hookimpl(tryfirst=True)
def pytest_pyfunc_call(pyfuncitem: pytest.Function) -> bool | None:
    if not reuse.is_reused(pyfuncitem):
        if reuse.KEY in pyfuncitem.stash:
            # JUnit tells a run engine test from a cheap one (benchmarks count these).
            pyfuncitem.user_properties.append(("engine_test_run", "1"))
        return None
    pyfuncitem.user_properties.append(("reused", pyfuncitem.stash[reuse.REUSED]))
    return True  # its body is not run: it passed on exactly these inputs


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]):
    outcome = yield
    report: pytest.TestReport = outcome.get_result()
    storable = reuse.KEY in item.stash and not reuse.is_reused(item)
    if report.when == "call" and report.passed and storable:
        outcomes = _outcomes(item.config)
        outcomes.put(item.stash[reuse.KEY], "passed", {"s": report.duration}, item.nodeid)


def pytest_terminal_summary(terminalreporter, config: pytest.Config) -> None:
    times = [
        value
        for report in terminalreporter.stats.get("passed", [])
        for name, value in getattr(report, "user_properties", [])
        if name == "reused"
    ]
    if times:
        when = min(times) if min(times) == max(times) else f"{min(times)} to {max(times)}"
        terminalreporter.write_line(
            f"shipshape: {len(times)} engine test(s) reused, not run: they passed on exactly "
            f"these inputs ({when}); --shipshape-fresh runs them"
        )
