"""reproducible: two builds of the same commit, at other times, give the same image.

The two builds are the target's image (built when the run began, or reused
from an earlier run: either way a real build, at another time) and one
rebuild by the run's builder with `--no-cache` (every step runs afresh; the
builder's shared cache is left as it is, never pruned) on a copy of the
build context whose files get other modification times, as another clone
of the same commit has. Both take the harness's build args, among them
SOURCE_DATE_EPOCH (the app folder's last commit time). One uncached build,
not two: the second would only repeat what the target's image already is.
The two images must have the same config digest (the config lists every layer's diff id, the
dates and the run settings; on the classic store it is the image id, on the
containerd store the image id is a manifest's, which a provenance
attestation with the build's start time may change) and the same layer
diff ids; where a layer differs, the first files that differ are named,
from the layers' tars: content, time, mode or owner.

The engine's exporter is not asked to rewrite timestamps
(`rewrite-timestamp=true`): Docker 26.1's docker driver on the classic
image store accepts that option and ignores it, so the verdict would
depend on the builder. The template itself must give the files it writes
fixed times.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass
from pathlib import Path

from shipshape.errors import PropertyFailed
from shipshape.properties.base import Measured, Property
from shipshape.subject import LayerFile, Subject
from shipshape.text import tail

# How far the second context copy's file times are moved: any value works,
# as long as it is not zero (a fresh clone's files carry the checkout time).
SHIFT_S = 86_400.0


@dataclass(frozen=True)
class Params:
    # How many differing files are named in a failure, per differing layer.
    show_files: int = 5


def _age(copy: Path, seconds: float) -> None:
    """Move every file time of `copy` by `seconds`: another clone of the same commit."""
    for folder, dirs, files in os.walk(copy):
        for name in [*dirs, *files]:
            path = Path(folder) / name
            if not path.is_symlink():
                stat = path.stat()
                os.utime(path, (stat.st_atime + seconds, stat.st_mtime + seconds))


def _what_differs(a: LayerFile | None, b: LayerFile | None) -> str:
    if a is None or b is None:
        return "only in the first build" if b is None else "only in the second build"
    if a.content != b.content or a.kind != b.kind:
        return "content"
    if a.mtime != b.mtime:
        return (
            f"time {time.strftime('%Y-%m-%dT%H:%M:%SZ', time.gmtime(a.mtime))} vs "
            f"{time.strftime('%Y-%m-%dT%H:%M:%SZ', time.gmtime(b.mtime))}"
        )
    if a.mode != b.mode:
        return f"mode {a.mode:o} vs {b.mode:o}"
    if a.owner != b.owner:
        return f"owner {a.owner} vs {b.owner}"
    return "tar header"


def differing_files(
    first: dict[str, LayerFile], second: dict[str, LayerFile], limit: int
) -> list[str]:
    """The first `limit` paths (in the first layer's order) that differ, and how."""
    paths = [*first, *(p for p in second if p not in first)]
    found = []
    for path in paths:
        a, b = first.get(path), second.get(path)
        if a != b:
            found.append(f"{path} ({_what_differs(a, b)})")
            if len(found) == limit:
                break
    return found


def describe_layers(
    layers_a: tuple[str, ...],
    layers_b: tuple[str, ...],
    files_a: list[dict[str, LayerFile]],
    files_b: list[dict[str, LayerFile]],
    limit: int,
) -> list[str]:
    """One line per differing layer position: its number and the first differing files."""
    lines = []
    if len(layers_a) != len(layers_b):
        lines.append(f"{len(layers_a)} layers vs {len(layers_b)}")
    for index, (a, b) in enumerate(zip(layers_a, layers_b, strict=False)):
        if a == b:
            continue
        files = []
        if index < len(files_a) and index < len(files_b):
            files = differing_files(files_a[index], files_b[index], limit)
        shown = ", ".join(files) if files else "no file differs (the tar stream does)"
        lines.append(f"layer {index + 1} of {len(layers_a)} ({a[:19]} vs {b[:19]}): {shown}")
    return lines


def check(subject: Subject, params: Params) -> str | Measured:
    built = subject.image()  # not judged (a counted skip) when the image did not build
    with subject.context_copy() as other_clone:
        _age(other_clone, SHIFT_S)
        with subject.probe_image(other_clone, no_cache=True) as (rebuild, rebuilt):
            if not rebuild.ok:
                raise PropertyFailed(
                    f"reproducible: the uncached rebuild failed\n{tail(rebuild.log)}"
                )
            id_a, layers_a = subject.image_digests(built.tag)
            id_b, layers_b = subject.image_digests(rebuilt)
            if id_a == id_b and layers_a == layers_b:
                return Measured(
                    f"same config {id_a[:19]} and layers ({len(layers_a)}) after an uncached "
                    f"rebuild of another clone in {rebuild.seconds:.0f}s",
                    {"rebuild_s": rebuild.seconds},
                )
            lines = describe_layers(
                layers_a,
                layers_b,
                subject.layer_files(built.tag),
                subject.layer_files(rebuilt),
                params.show_files,
            )
    if not lines:
        lines = ["the layers are the same: the config differs (a date, label or env)"]
    raise PropertyFailed(
        f"reproducible: an uncached rebuild of the same commit gave different images "
        f"(config {id_a[:19]} vs {id_b[:19]}):\n  " + "\n  ".join(lines)
    )


PROPERTY = Property(
    "reproducible",
    "two builds of one commit, at other times, give the same image",
    Params,
    check,
    cost=8,
)
