"""A one-variant project in a pytester folder: the smallest thing the plugin collects."""

from __future__ import annotations

import pytest


def manifest(properties: str) -> str:
    """A manifest of one variant on one app, with these properties (a YAML flow mapping)."""
    return (
        "apps:\n  web: {path: app}\nvariants:\n  prod:\n    dockerfile: Dockerfile\n"
        f"    apps: [web]\n    properties: {properties}\n"
    )


# With a typo in a parameter name, which the manifest's validation must name.
MANIFEST = manifest("{user: {uidd: 1}}")


def stub_project(pytester: pytest.Pytester, manifest: str = MANIFEST) -> pytest.Pytester:
    """An app with a lock file, a one-line Dockerfile and `manifest` as shipshape.yaml."""
    pytester.mkdir("app")
    pytester.path.joinpath("app", "uv.lock").write_text("version = 1\n")
    pytester.path.joinpath("Dockerfile").write_text("FROM python:3.15-slim\n")
    pytester.path.joinpath("shipshape.yaml").write_text(manifest)
    return pytester
