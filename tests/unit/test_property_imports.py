"""A property talks only to its subject: the import graph of src/shipshape/properties/.

A property's module may import the standard library, third-party libraries,
other property modules, and of the harness only the subject (the one door
to images, containers, probe builds and stacks), the errors, the one
waiting helper, the finder of the command-line tools it ships, and pure
parsers (of Dockerfiles, Deployments, Compose files, text). Anything else
is machinery behind the subject (build, manifest, compose, engine, run...),
and importing it is how a property starts to depend on more than it says.
"""

from __future__ import annotations

import ast
from pathlib import Path

import shipshape.verdicts

PROPERTIES = shipshape.verdicts.PACKAGE / "properties"
ALLOWED_MODULES = {
    "shipshape.subject",  # the door
    "shipshape.errors",
    "shipshape.waiting",  # poll and Budget: the one way to wait
    "shipshape.text",  # text helpers (tails of logs)
    # The command-line tools the harness ships (hadolint, trivy, syft,
    # checkov): where the installed one is; no engine, no build.
    "shipshape.tools",
    # Pure parsers: files in, facts out; no engine, no build.
    "shipshape.dockerfile",
    "shipshape.infer",
    "shipshape.k8s",
    "shipshape.composefile",
}
# Single names of modules that are not otherwise a property's business.
ALLOWED_NAMES = {("shipshape.vcs", "UNCOMMITTED")}


def harness_imports(path: Path) -> set[tuple[str, str]]:
    """(module, name) for every `from shipshape... import name` and `import shipshape...`."""
    found: set[tuple[str, str]] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("shipshape"):
            found.update((node.module or "", alias.name) for alias in node.names)
        elif isinstance(node, ast.Import):
            found.update((a.name, "") for a in node.names if a.name.startswith("shipshape"))
    return found


def is_allowed(module: str, name: str) -> bool:
    return (
        module in ALLOWED_MODULES
        or module.startswith("shipshape.properties")
        or (module, name) in ALLOWED_NAMES
    )


def test_properties_import_only_the_subject_errors_and_parsers() -> None:
    offences = [
        f"{path.name}: from {module} import {name}"
        for path in sorted(PROPERTIES.glob("*.py"))
        for module, name in sorted(harness_imports(path))
        if not is_allowed(module, name)
    ]
    assert not offences, "properties reach past their subject:\n  " + "\n  ".join(offences)


def test_the_parsers_they_may_use_are_pure() -> None:
    """An allowed parser must not itself reach the engine or the build."""
    machinery = {"shipshape.build", "shipshape.engine", "shipshape.compose", "shipshape.subject"}
    package = PROPERTIES.parent
    for module in ALLOWED_MODULES - {"shipshape.subject", "shipshape.errors", "shipshape.waiting"}:
        path = package / f"{module.rsplit('.', 1)[1]}.py"
        if path.is_file():
            imported = {m for m, _ in harness_imports(path)}
            assert not imported & machinery, f"{path.name} imports {imported & machinery}"
