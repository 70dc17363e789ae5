"""What one pytest process knows about the run: its engine, bases, options
and subjects, kept on the config's stash (never in module globals)."""

from __future__ import annotations

import os
import time
from collections.abc import Callable, MutableMapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

import docker
import pytest

from shipshape import engine
from shipshape.bases import BaseMap, load_bases
from shipshape.build import BuildOptions
from shipshape.manifest import Selection, Target, TargetId
from shipshape.report import Record
from shipshape.subject import Subject
from shipshape.verdicts import VerdictStore

DEFAULT_CACHE = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "shipshape"
FRESH_VARIABLE = "SHIPSHAPE_FRESH"


def cache_dir(option: str | None = None) -> Path:
    """Logs, locks, stored verdicts: the option, else $SHIPSHAPE_CACHE_DIR, else the default."""
    return Path(option or os.environ.get("SHIPSHAPE_CACHE_DIR", DEFAULT_CACHE))


@dataclass
class BuildProgress:
    """Live lines while an image builds: which image, which step, how long.

    Written to a duplicate of the process's original stderr, which neither
    pytest's capture nor an xdist worker swallows; whole lines only, so two
    workers' lines do not garble each other.
    """

    stream: TextIO
    target_id: TargetId
    every_s: float = 3.0
    started: float = field(default_factory=time.monotonic)
    _last_line: float = 0.0
    _last_step: str = ""

    def __call__(self, line: str) -> None:
        step = line.split(" ", 1)[-1][:90]
        now = time.monotonic()
        if step != self._last_step and now - self._last_line >= self.every_s:
            self.stream.write(
                f"shipshape: building {self.target_id}: {step} ({now - self.started:.0f}s)\n"
            )
            self._last_line, self._last_step = now, step


@dataclass
class RunState:
    """What one pytest process knows about the run; never shared mutable globals."""

    config: pytest.Config
    identity: engine.RunIdentity
    records: list[Record] = field(default_factory=list)
    subjects: list[Subject] = field(default_factory=list)
    progress_stream: TextIO | None = None
    _client: docker.DockerClient | None = None
    _native: str | None = None
    _bases: BaseMap | None = None

    def verdicts(self) -> VerdictStore:
        """Where passes are kept; a run that checks afresh takes only its gate's from it."""
        verdicts = cache_dir(self.config.getoption("--shipshape-cache-dir")) / "verdicts"
        return VerdictStore(
            verdicts,
            self.identity.run_id,
            earlier_runs=not checks_afresh(self.config),
            gate=self.identity.gate,
        )

    def client(self) -> docker.DockerClient:
        if self._client is None:
            self._client = engine.connect()
        return self._client

    def native_platform(self) -> str:
        if self._native is None:
            self._native = engine.native_platform(self.client())
        return self._native

    def bases(self) -> BaseMap:
        if self._bases is None:
            self._bases = load_bases(bases_path(self.config))
        return self._bases

    def selection(self) -> Selection:
        def listed(option: str) -> tuple[str, ...]:
            value = self.config.getoption(option) or ""
            return tuple(v.strip() for v in value.split(",") if v.strip())

        return Selection(
            pythons=listed("--shipshape-python"),
            platforms=listed("--shipshape-platform"),
            variants=listed("--shipshape-variant"),
        )

    def build_options(self) -> BuildOptions:
        return BuildOptions(
            cache_dir=cache_dir(self.config.getoption("--shipshape-cache-dir")),
            bases=self.bases(),
            builder=self.config.getoption("--shipshape-builder"),
            layer_cache=os.environ.get("SHIPSHAPE_BUILDX_CACHE") or None,
        )

    def subject(self, target: Target) -> Subject:
        native = target.platform == self.native_platform()
        subject = Subject(
            target=target,
            client=self.client(),
            build_options=self.build_options(),
            identity=self.identity,
            time_scale=1.0 if native else self.config.getoption("--shipshape-emulation-scale"),
            progress=BuildProgress(self.progress_stream, target.id)
            if self.progress_stream
            else None,
            sbom_dir=Path(sbom) if (sbom := self.config.getoption("--shipshape-sbom")) else None,
        )
        self.subjects.append(subject)
        return subject

    def close_subjects(self) -> None:
        """Remove every container this process started (also after Ctrl-C)."""
        for subject in self.subjects:
            subject.close()


STATE = pytest.StashKey[RunState]()


def checks_afresh(config: pytest.Config) -> bool:
    """Whether this run takes no earlier run's verdict (--shipshape-fresh, SHIPSHAPE_FRESH)."""
    return bool(config.getoption("--shipshape-fresh") or os.environ.get(FRESH_VARIABLE))


def export_gate(
    identity: engine.RunIdentity, fresh: bool, environ: MutableMapping[str, str]
) -> Callable[[], None]:
    """Make this run the gate of its workers and child runs, unless it is in one; the undo.

    A run that checks afresh has its child runs check afresh too
    (`--shipshape-fresh` reaches them as SHIPSHAPE_FRESH): they share this
    gate's verdicts, never an earlier one's.
    """
    gate = engine.GATE_VARIABLE
    exported = {gate: identity.run_id} if not environ.get(gate) else {}
    if fresh and not environ.get(FRESH_VARIABLE):
        exported[FRESH_VARIABLE] = "1"
    environ.update(exported)

    def undo() -> None:
        for name in exported:
            environ.pop(name, None)

    return undo


def bases_path(config: pytest.Config) -> Path | None:
    explicit = config.getoption("--shipshape-bases") or os.environ.get("SHIPSHAPE_BASES")
    if explicit:
        return Path(explicit)
    default = config.getini("shipshape_bases")
    if default and (config.rootpath / default).is_file():
        return config.rootpath / default
    return None
