"""Verdicts keyed by everything they depend on: unchanged work is free.

A property's fingerprint is a digest of every input its verdict could
depend on, erring on the strict side:
- the harness's own code: every source file of the package except the
  properties' own modules, so a change to the Subject or the build machinery
  re-checks everything; and the property's own module with the property
  modules it imports (compose_support...), so a change to one property's
  code re-checks that property's verdicts and no other;
- the property's id and parameters, including the *content* of every file
  a parameter names (a Deployment, a Compose file, a hadolint config);
- for a verdict that reads only files (`lint`, `k8s-drain-safe`), the
  Dockerfile's path and text, and nothing else of the target: one
  template's lint holds for every app built from it. For every other:
- the target's build plan digest: the Dockerfile, its .dockerignore, every
  file of the context it lets in, the build args, the platform and the ids
  of the base images (what the image's content-hash tag is made of);
- what else of the target a check reads: its Python and platform, the
  built stage, the app's lock file, and the settings of other properties
  the subject reads for every check (listen's port and path...). Not the
  target's *name*: two targets of one image and one Deployment (a
  template listed twice, a team's variants that differ only in their
  Compose file) get one verdict, checked once;
- the built image's content (its id's inputs but the harness's own
  `shipshape.*` labels): a base the builder pulls is known to the plan
  only by its name;
- for a Compose stack's verdicts, each base the stack runs unbuilt
  (POSTGRES_IMAGE...) by the id of the image standing for it here;
- the engine (its address and image store) and the emulation scale.

Only passes are stored and reused: a failure is always re-checked, so a
flaky runtime failure never sticks. A run that checks afresh takes only the
verdicts checked in the same gate (`shared`), never an earlier one's
(`reused`): the gate is the outermost run and every run it starts (the
mutants' and the corpus's child runs), so a verdict checked once in a gate
of record holds for all of it. A claim (a file lock per fingerprint) makes a second process
with the same fingerprint wait for the first's verdict instead of checking
it too. Writes are atomic (a temporary file
renamed into place), so parallel xdist workers and a killed run leave either
a whole verdict or none.
"""

from __future__ import annotations

import ast
import dataclasses
import hashlib
import json
import os
import tempfile
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache
from pathlib import Path
from typing import Any

from filelock import FileLock

PACKAGE = Path(__file__).resolve().parent
# Modules of the properties package that every property shares: in the core.
SHARED_PROPERTY_MODULES = ("__init__", "base")


def _properties_dir() -> Path:
    return PACKAGE / "properties"


def _is_property_code(path: Path) -> bool:
    return path.parent == _properties_dir() and path.stem not in SHARED_PROPERTY_MODULES


def _digest_files(paths: list[Path]) -> str:
    digest = hashlib.sha256()
    for path in sorted(paths):
        digest.update(str(path.relative_to(PACKAGE)).encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


@cache
def harness_digest() -> str:
    """The harness's source but the properties' own code: a change to it is a new harness."""
    return _digest_files([p for p in PACKAGE.rglob("*.py") if not _is_property_code(p)])


def _imported_property_modules(path: Path) -> set[str]:
    """The modules of the properties package that `path` imports (by name)."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module:
            if node.module.startswith("shipshape.properties."):
                names.add(node.module.rsplit(".", 1)[1])
            elif node.module == "shipshape.properties":
                names.update(alias.name for alias in node.names)
    return names


@cache
def property_code_digest(module: str) -> str:
    """A property's own module and, transitively, the property modules it imports."""
    seen: set[Path] = set()
    pending = [module]
    while pending:
        path = _properties_dir() / f"{pending.pop()}.py"
        if path in seen or not path.is_file() or not _is_property_code(path):
            continue
        seen.add(path)
        pending.extend(_imported_property_modules(path))
    return _digest_files(list(seen))


def _param_value(value: Any) -> Any:
    """A parameter as fingerprint input: a file's content, not only its name."""
    if isinstance(value, Path):
        content = value.read_bytes() if value.is_file() else b""
        return {"path": str(value), "sha256": hashlib.sha256(content).hexdigest()}
    if isinstance(value, tuple | list):
        return [_param_value(v) for v in value]
    if isinstance(value, Mapping):
        return {str(k): _param_value(v) for k, v in value.items()}
    return value if isinstance(value, str | int | float | bool | type(None)) else repr(value)


def file_input(path: Path) -> Any:
    """A file as fingerprint input: its path and content."""
    return _param_value(path)


def params_input(params: Any) -> Any:
    if params is None or not dataclasses.is_dataclass(params):
        return _param_value(params)
    return {f.name: _param_value(getattr(params, f.name)) for f in dataclasses.fields(params)}


def _json_digest(payload: Any) -> str:
    return hashlib.sha256(json.dumps(payload, sort_keys=True, default=str).encode()).hexdigest()


def fingerprint(parts: Mapping[str, Any], code: str | None = None) -> str:
    """The digest of a verdict's inputs (the harness's own code always among them).

    `code` names the property's module (`hardened`): its code is an input too.
    """
    payload = {"harness": harness_digest(), **parts}
    if code is not None:
        payload["code"] = property_code_digest(code)
    return _json_digest(payload)


# Fields of `docker image inspect` that name the image or say where the
# engine keeps it, not what it is: its id's inputs are all the others.
NOT_CONTENT = ("Id", "RepoTags", "RepoDigests", "Metadata", "GraphDriver", "Descriptor", "Size")
# The labels the harness stamps on every image it builds, for `shipshape prune`
# (which target built it): no check reads them, and they alone make two
# targets' identical builds two image ids.
HARNESS_LABELS = "shipshape."


def image_content(attrs: Mapping[str, Any], history: list[Mapping[str, Any]]) -> str:
    """A digest of what an image is: its id's inputs but the harness's own labels.

    Its config (with every other label), layers, creation time, platform and
    history, as `docker image inspect` and `docker history` show them.
    """
    config = dict(attrs.get("Config") or {})
    labels = config.get("Labels") or {}
    config["Labels"] = {k: v for k, v in labels.items() if not k.startswith(HARNESS_LABELS)}
    payload = {
        **{k: v for k, v in attrs.items() if k not in NOT_CONTENT},
        "Config": config,
        "History": [{k: v for k, v in h.items() if k not in ("Id", "Tags")} for h in history],
    }
    return _json_digest(payload)


@dataclass(frozen=True)
class Stored:
    value: str | None
    numbers: dict[str, float]
    measured_at: str  # ISO 8601, UTC
    run: str  # the run that checked it (RunIdentity.run_id)
    target: str  # the target it was checked on
    gate: str  # the gate that run belonged to (RunIdentity.gate)


@dataclass(frozen=True)
class VerdictStore:
    """Passes by fingerprint, shared by the processes of a run and by later runs.

    A run that checks afresh (`earlier_runs=False`) still shares within
    its gate: a verdict whose inputs equal one checked earlier in the same
    run or a run of its gate (two targets of one image, one Deployment; a
    mutant that changes only the Deployment) is that verdict, checked once.
    """

    root: Path
    run: str
    earlier_runs: bool = True
    gate: str = ""  # this run's gate; "": the run is its own gate

    def _path(self, key: str) -> Path:
        return self.root / key[:2] / f"{key}.json"

    @contextmanager
    def claim(self, key: str) -> Iterator[None]:
        """Held while a verdict is looked up, checked and stored: another process
        (an xdist worker) with the same fingerprint waits, then finds it stored.
        The OS releases it if its holder is killed."""
        path = self._path(key).with_suffix(".lock")
        path.parent.mkdir(parents=True, exist_ok=True)
        with FileLock(str(path)):
            yield

    def get(self, key: str) -> Stored | None:
        try:
            data = json.loads(self._path(key).read_text(encoding="utf-8"))
            stored = Stored(
                data["value"],
                dict(data["numbers"]),
                data["measured_at"],
                data["run"],
                data["target"],
                data.get("gate") or data["run"],
            )
        except (OSError, ValueError, KeyError, TypeError):
            return None  # absent, or unreadable: check afresh
        return stored if self.earlier_runs or stored.gate == self.gate_id else None

    @property
    def gate_id(self) -> str:
        return self.gate or self.run

    def put(self, key: str, value: str | None, numbers: Mapping[str, float], target: str) -> None:
        path = self._path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        data = {
            "value": value,
            "numbers": dict(numbers),
            "measured_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "run": self.run,
            "target": target,
            "gate": self.gate_id,
        }
        with tempfile.NamedTemporaryFile(
            "w", dir=path.parent, suffix=".tmp", delete=False, encoding="utf-8"
        ) as handle:
            json.dump(data, handle)
        os.replace(handle.name, path)
