"""Fixtures shared by shipshape's own tests.

The property checks themselves come from the shipshape plugin (installed
under the `pytest11` entry point), which collects `shipshape.yaml`; this file
only helps the tests that run the harness on generated manifests (mutants).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from shipshape.runstate import bases_path
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
