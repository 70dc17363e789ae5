"""Fake external tools (hadolint, trivy, syft, checkov) for tests that need no real one."""

from __future__ import annotations

import sys
from pathlib import Path

PYTHON = sys.executable  # the real one, for the fake tools' shebang


def fake_tool(
    folder: Path,
    name: str,
    *,
    stdout: str = "",
    stderr: str = "",
    exit_code: int = 0,
    writes: str | None = None,
    env_names: tuple[str, ...] = (),
) -> Path:
    """An executable that records its argv (and the `env_names` of its environment), writes
    `writes` to its `-o fmt=PATH`, and exits."""
    script = folder / name
    lines = [
        f"#!{PYTHON}",
        "import json, sys",
        f"open({str(folder / (name + '.argv'))!r}, 'w').write(json.dumps(sys.argv[1:]))",
    ]
    if env_names:
        lines += [
            "import os",
            f"env = {{n: os.environ.get(n) for n in {list(env_names)!r}}}",
            f"open({str(folder / (name + '.env'))!r}, 'w').write(json.dumps(env))",
        ]
    if writes is not None:
        lines += [
            "target = sys.argv[sys.argv.index('-o') + 1].split('=', 1)[1]",
            f"open(target, 'w').write({writes!r})",
        ]
    lines += [
        f"sys.stdout.write({stdout!r})",
        f"sys.stderr.write({stderr!r})",
        f"sys.exit({exit_code})",
    ]
    script.write_text("\n".join(lines) + "\n")
    script.chmod(0o755)
    return script
