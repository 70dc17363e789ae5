"""Sessions: `nox -s tests`, `lint`, `nightly`, `readme`, `bench`.

Every session runs in the project's uv environment (`uv run`), so the
versions are those of uv.lock and nothing is installed twice.
"""

from pathlib import Path

import nox

nox.options.default_venv_backend = "none"
nox.options.sessions = ["lint", "tests"]

ALL_PYTHONS = ["3.11", "3.13", "3.14", "3.15"]
# arm64 runs under QEMU here: one Python version keeps the nightly within hours.
ARM64_PYTHON = "3.15"


@nox.session
def tests(session: nox.Session) -> None:
    """The PR gate: unit tests, mutants, and every variant at the default Python."""
    session.run("uv", "run", "pytest", "-n", "2", *session.posargs, external=True)


@nox.session
def lint(session: nox.Session) -> None:
    """ruff, hadolint on every template, zizmor on the workflows, README in sync."""
    session.run("uv", "run", "ruff", "check", ".", external=True)
    session.run("uv", "run", "ruff", "format", "--check", ".", external=True)
    dockerfiles = sorted(str(p) for p in Path("dockerfiles").glob("Dockerfile.*"))
    session.run(
        "uv",
        "run",
        "hadolint",
        "--config",
        "dockerfiles/.hadolint.yaml",
        *dockerfiles,
        external=True,
    )
    session.run(
        "uv", "run", "--with", "zizmor", "zizmor", "--offline", ".github/workflows", external=True
    )
    session.run("uv", "run", "python", "-m", "shipshape.docs", "--check", external=True)


@nox.session
def readme(session: nox.Session) -> None:
    """Regenerate the README's property table from shipshape.yaml."""
    session.run("uv", "run", "python", "-m", "shipshape.docs", external=True)


@nox.session
def nightly(session: nox.Session) -> None:
    """The full matrix: every Python here on amd64; production and minimal on arm64 (QEMU)."""
    session.run(
        "bash", ".ci/provision", *ALL_PYTHONS, env={"ARM64_PYTHONS": ARM64_PYTHON}, external=True
    )
    session.run(
        "uv",
        "run",
        "pytest",
        "-n",
        "2",
        "tests/unit",
        "shipshape.yaml",
        "--shipshape-python",
        ",".join(ALL_PYTHONS),
        *session.posargs,
        external=True,
    )
    session.run(
        "uv",
        "run",
        "pytest",
        "shipshape.yaml",
        "--shipshape-platform",
        "linux/arm64",
        "--shipshape-variant",
        # The production template, and the shell-less one, whose loader-found
        # libraries differ per architecture.
        "fastapi,minimal",
        "--shipshape-python",
        ARM64_PYTHON,
        *session.posargs,
        external=True,
    )


@nox.session
def bench(session: nox.Session) -> None:
    """Benchmarks: printed figures, not timed tests."""
    session.run("uv", "run", "python", "benchmarks/run.py", *session.posargs, external=True)
