"""One-target manifests for the harness's own tests: a variant of shipshape.yaml,
optionally mutated, written to a folder outside the repository.

A mutant is one change to a real template (tests/mutants/mutants.yaml),
optionally with a change to the app, the Kubernetes manifest or a Compose
file; with no change at all the manifest checks the real template, which is
what the clean-up tests need.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml

from shipshape.vcs import vcs_facts

# Every property that reads the Deployment (its `k8s_manifest` parameter).
K8S_PARAMS = ("lint", "hardened", "k8s-consistent", "k8s-drain-safe")
# Properties that read the Deployment where their variant has them (stack's).
K8S_VARIANT_PARAMS = ("k8s-outage-safe",)
# compose-first-boot's boots on a mutant that is not about first boot.
MUTANT_FIRST_BOOTS = 2
# Properties a mutant runs only when it is about them: each needs an uncached
# build, and dockerd 26.1's BuildKit can panic after one (a nil `op` in
# Job.walkProvenance, the engine lost: BuildKit PR 5606, fixed in 0.19),
# several times a day on a suite that made one per fastapi mutant.
ONLY_WHEN_NAMED = ("reproducible",)
# The compose-* properties and the manifest parameter naming each file they read.
COMPOSE_FILES = {
    "docker-compose.yml": "compose_file",
    "docker-compose.override.yml": "override_file",
}
COMPOSE_PARAMS = (
    "compose-healthy",
    "compose-durable",
    "compose-degraded",
    "compose-isolated",
    "compose-dev",
    "compose-clean-machine",
    "compose-first-boot",
    "k8s-outage-safe",
)


def mutate(text: str, replacements: list[list[str]]) -> str:
    for old, new in replacements:
        if old not in text:
            pytest.fail(f"mutation no longer applies: {old!r} is not there")
        text = text.replace(old, new, 1)
    return text


def absolute_paths(value: Any, repo: Path) -> Any:
    """The manifest's repo-relative paths, made absolute for a manifest elsewhere."""
    if isinstance(value, dict):
        return {k: absolute_paths(v, repo) for k, v in value.items()}
    if isinstance(value, list):
        return [absolute_paths(v, repo) for v in value]
    if isinstance(value, str) and "/" in value and (repo / value).exists():
        return str((repo / value).resolve())
    return value


def write_one_target_manifest(repo: Path, name: str, spec: dict[str, Any], folder: Path) -> Path:
    """A one-variant, one-app manifest: the mutated template with its variant's settings."""
    manifest = absolute_paths(yaml.safe_load((repo / "shipshape.yaml").read_text()), repo)
    variant = dict(manifest["variants"][spec["variant"]])
    dockerfile = folder / f"Dockerfile.{name}"
    dockerfile.write_text(mutate(Path(variant["dockerfile"]).read_text(), spec.get("replace", [])))
    # One app per mutant (the variant's first unless named): the mutation is
    # in the template, so one app proves the property catches it.
    app_name = spec.get("app", variant["apps"][0])
    app = dict(manifest["apps"][app_name])
    if "app_replace" in spec:
        copy = folder / "app"
        shutil.copytree(app["path"], copy, ignore=shutil.ignore_patterns(".venv", "__pycache__"))
        for relative, replacements in spec["app_replace"].items():
            (copy / relative).write_text(mutate((copy / relative).read_text(), replacements))
        # The copy is outside git: it keeps its original's revision labels.
        app["build_args"] = {**vcs_facts(Path(app["path"])), **app.get("build_args", {})}
        app["path"] = str(copy)
    properties = dict(variant.get("properties") or {})
    if "k8s_replace" in spec:
        k8s = folder / "deployment.yaml"
        original = Path(manifest["defaults"]["properties"]["k8s-consistent"]["k8s_manifest"])
        k8s.write_text(mutate(original.read_text(), spec["k8s_replace"]))
        for prop in K8S_PARAMS:
            properties[prop] = {**(properties.get(prop) or {}), "k8s_manifest": str(k8s)}
        for prop in K8S_VARIANT_PARAMS:
            if properties.get(prop) is not None:
                properties[prop] = {**properties[prop], "k8s_manifest": str(k8s)}
    # A mutated file moves the project directory (the first file's folder):
    # its siblings come along, unchanged, so their relative paths still hold.
    compose_replace = spec.get("compose_replace", {})
    for compose_name in COMPOSE_FILES if compose_replace else ():
        replacements = compose_replace.get(compose_name, [])
        write_mutant_compose(repo, compose_name, replacements, folder, properties)
    # Ten boots in a row prove the shipped stack's first boot. A mutant that
    # is not about first boot needs it to pass, not ten times: two boots keep
    # the whole check (fresh volume, migrations, healthy) at a fifth of the cost.
    first_boot = properties.get("compose-first-boot")
    if first_boot is not None and "compose-first-boot" not in spec.get("fails", {}):
        properties["compose-first-boot"] = {**first_boot, "boots": MUTANT_FIRST_BOOTS}
    # Named: expected to fail (`fails`), or asked for on a target that passes (`runs`).
    named = {*spec.get("fails", {}), *spec.get("runs", ())}
    for prop in ONLY_WHEN_NAMED:
        if prop in properties and prop not in named:
            properties[prop] = None
    # A mutant may tune or drop (null) some properties of its variant, e.g.
    # keep only the one a race-prone mutant is for: the others would fail
    # only sometimes, and a mutant's verdicts must be exactly its `fails`.
    for prop, params in spec.get("property_overrides", {}).items():
        properties[prop] = None if params is None else {**(properties.get(prop) or {}), **params}
    variant.update(
        dockerfile=str(dockerfile),
        apps=[app_name],
        properties=properties,
        **spec.get("variant_overrides", {}),
    )
    path = folder / "shipshape.yaml"
    path.write_text(
        yaml.safe_dump(
            {
                "defaults": manifest.get("defaults", {}),
                "apps": {app_name: app},
                "variants": {name: variant},
            }
        )
    )
    return path


def write_mutant_compose(
    repo: Path, name: str, replacements: list[list[str]], folder: Path, properties: dict
) -> None:
    """A mutated copy of dockerfiles/<name>, its relative paths made absolute."""
    text = mutate((repo / "dockerfiles" / name).read_text(), replacements)
    (folder / name).write_text(text.replace("../sample_apps", str(repo / "sample_apps")))
    for prop in COMPOSE_PARAMS:
        params = properties.get(prop)
        if params is not None and COMPOSE_FILES[name] in params:
            properties[prop] = {**params, COMPOSE_FILES[name]: str(folder / name)}


def write_many_mutants_manifest(repo: Path, specs: dict[str, dict[str, Any]], folder: Path) -> Path:
    """One manifest holding every mutant as a variant of its own, for one child run.

    Each mutant keeps exactly the manifest `write_one_target_manifest` gives
    it (its template, app, Deployment or Compose changes); apps are renamed
    per mutant so that two mutants' edited copies of one app never meet.
    """
    merged: dict[str, Any] = {"apps": {}, "variants": {}}
    for name, spec in specs.items():
        (folder / name).mkdir(parents=True, exist_ok=True)
        one = yaml.safe_load(write_one_target_manifest(repo, name, spec, folder / name).read_text())
        merged.setdefault("defaults", one["defaults"])
        ((app_name, app),) = one["apps"].items()
        merged["apps"][f"{name}--{app_name}"] = app
        merged["variants"][name] = {**one["variants"][name], "apps": [f"{name}--{app_name}"]}
    path = folder / "shipshape.yaml"
    path.write_text(yaml.safe_dump(merged))
    return path
