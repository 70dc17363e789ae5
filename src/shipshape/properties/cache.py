"""cache: changing only app source does not re-run the dependency install.

A copy of the build context, with one source file touched, is built by the
run's builder; BuildKit's plain progress must show the install step CACHED.
When it does not, a second, different touch confirms it: a step that
depends on the source re-runs every time, while one that re-ran because the
builder did not hold it (a pruned cache, another builder, a record lost to
GC meanwhile) is held after the first rebuild and is CACHED the second time.
No baseline build of the unchanged context is needed for that: the
confirmation is the baseline, paid only when the first rebuild re-ran.

The rebuild stops at the stage that installs the dependencies when the
subject can name one (`Subject.install_stage`: it copies the whole context
and holds every install step): whether the install step is CACHED depends
on that stage and those it is built from, not on the runtime stage. So the
verdict depends on them only (`Reads.INSTALL_STAGE`), and a Dockerfile that
differs in its runtime stage alone shares it.
"""

import re
import secrets
from dataclasses import dataclass
from pathlib import Path

from shipshape.errors import NotChecked, PropertyFailed
from shipshape.properties.base import Measured, Property
from shipshape.subject import ProbeBuild, Reads, Subject
from shipshape.text import tail

STEP = re.compile(r"^#(?P<n>\d+) \[(?P<stage>[^\]]+)\] (?P<what>.*)$")
CACHED = re.compile(r"^#(?P<n>\d+) CACHED$")


@dataclass(frozen=True)
class Params:
    # The first of these that the app has is the one changed; empty: the
    # server's app module, else the context's first .py (`shipshape.infer`).
    source_files: tuple[str, ...] = ()
    # Text of the dependency-install step as BuildKit shows it; None: the
    # Dockerfile's first RUN that installs (uv sync, pip install, ...).
    install_step: str | None = None


def _same_words(text: str) -> str:
    return " ".join(text.split())


def steps(log: str) -> tuple[dict[str, str], set[str]]:
    """Step number -> description, and the numbers of steps that were CACHED."""
    described: dict[str, str] = {}
    cached: set[str] = set()
    for line in log.splitlines():
        if match := STEP.match(line):
            described.setdefault(match["n"], f"[{match['stage']}] {match['what']}")
        elif match := CACHED.match(line):
            cached.add(match["n"])
    return described, cached


def check(subject: Subject, params: Params) -> Measured:
    subject.image()  # not judged (a counted skip) when the image itself did not build
    inference = subject.inference()
    install_step = subject.install_step(params.install_step)
    if install_step is None:
        raise PropertyFailed(f"cache: {inference.install_step.source}: nothing to keep cached")
    stage = subject.install_stage(install_step)
    wanted = params.source_files or (
        (str(inference.source_file.value),) if inference.source_file.value else ()
    )
    with subject.context_copy() as app:
        source = next((app / f for f in wanted if (app / f).is_file()), None)
        if source is None:
            raise PropertyFailed(f"cache: the build context has none of {list(wanted)} to change")
        changed = source.relative_to(app)
        probe, rerun = _change_and_rebuild(subject, app, source, install_step, stage)
        if rerun:
            # A step that depends on the source re-runs on every change; one
            # that re-ran because the builder did not hold it (pruned, GC, a
            # concurrent build, another builder) is held now, and is CACHED.
            probe, rerun = _change_and_rebuild(subject, app, source, install_step, stage)
    if rerun:
        raise PropertyFailed(
            f"cache: after a change to {changed} only, the dependency step re-ran, twice in a "
            f"row: {rerun[0][:160]} (copy the source after installing dependencies)"
        )
    described, cached = steps(probe.log)
    if all(n in cached for n in described):
        raise NotChecked(f"cache: the change to {changed} did not reach the build")
    rebuilt = f"rebuild of stage {stage}" if stage else "rebuild"
    return Measured(f"deps CACHED, {rebuilt} {probe.seconds:.1f}s", {"rebuild_s": probe.seconds})


def _change_and_rebuild(
    subject: Subject, context: Path, source: Path, install_step: str, stage: str | None
) -> tuple[ProbeBuild, list[str]]:
    """Change `source` as BuildKit has never seen it, rebuild: the build, install steps re-run.

    Fails the property when the rebuild itself fails or shows no install step.
    """
    # Unique per run: a change BuildKit has seen before would hit its cache.
    source.write_text(source.read_text() + f"\n# shipshape cache probe {secrets.token_hex(8)}\n")
    probe = subject.probe_build(context, stage=stage)
    if not probe.ok:
        raise PropertyFailed(f"cache: the rebuild failed\n{tail(probe.log)}")
    described, cached = steps(probe.log)
    install = [n for n, what in described.items() if _same_words(install_step) in _same_words(what)]
    if not install:
        raise PropertyFailed(f"cache: no build step contains {install_step!r}")
    return probe, [described[n] for n in install if n not in cached]


PROPERTY = Property(
    "cache",
    "a source-only change keeps the dependency layer cached",
    Params,
    check,
    reads=Reads.INSTALL_STAGE,
    cost=4,
)
