"""Bad input is one clear line, never a traceback: the cases that need an engine.

Checking a manifest connects to the engine first (the start-up sweep of
resources left by dead runs), so a manifest typo is only reached with a
live engine; tests/unit/test_plugin_errors.py has the engine-free cases.
"""

from __future__ import annotations

import pytest

from tests.support.reuse import reads_only_templates
from tests.support.stub_project import MANIFEST, stub_project

# Its child run is a stub project: it reads none of the templates.
pytestmark = reads_only_templates()


@pytest.fixture
def project(pytester: pytest.Pytester) -> pytest.Pytester:
    return stub_project(pytester)


@pytest.mark.engine
def test_manifest_typo_is_one_line_naming_file_and_line(
    project: pytest.Pytester, monkeypatch
) -> None:
    project.path.joinpath("shipshape.yaml").write_text(MANIFEST)
    # Collection needs the engine's platform; a typo must be reported even so.
    result = project.runpytest_subprocess("shipshape.yaml", "-p", "no:cacheprovider")
    output = result.stdout.str()
    assert (
        "shipshape.yaml:7: unknown parameter 'uidd' of property 'user'; allowed: uid, gid" in output
    )
    assert "Traceback" not in output
