"""The image's filesystem as a container sees it (every layer applied).

Scanning the exported filesystem, not `$PATH`, finds a compiler or a cache
wherever it was left: a `which gcc` in the container misses /usr/lib/gcc and
/root/.cache/pip entirely.
"""

from __future__ import annotations

import fnmatch
import io
import tarfile
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass

import docker


@dataclass(frozen=True)
class Entry:
    path: str  # relative, e.g. "usr/local/bin/uv"
    kind: str  # "file" | "dir" | "link"
    mode: int
    size: int

    def matches(self, patterns: Iterable[str]) -> bool:
        """Whether the path matches any of the glob `patterns`."""
        return any(fnmatch.fnmatch(self.path, p) for p in patterns)


class _ChunkStream(io.RawIOBase):
    """A file-like view of the engine's export stream, for tarfile's "r|" mode."""

    def __init__(self, chunks: Iterable[bytes]) -> None:
        self._chunks: Iterator[bytes] = iter(chunks)
        self._pending = b""

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:  # type: ignore[override]
        while not self._pending:
            try:
                self._pending = next(self._chunks)
            except StopIteration:
                return 0
        size = min(len(buffer), len(self._pending))
        buffer[:size] = self._pending[:size]
        self._pending = self._pending[size:]
        return size


def _kind(member: tarfile.TarInfo) -> str:
    if member.isdir():
        return "dir"
    if member.issym() or member.islnk():
        return "link"
    return "file"


def image_entries(
    client: docker.DockerClient, image: str, labels: Mapping[str, str]
) -> list[Entry]:
    """Every path in `image`'s filesystem (from a created, never started, container)."""
    container = client.containers.create(image, labels=dict(labels))
    try:
        stream = io.BufferedReader(_ChunkStream(container.export()), buffer_size=1 << 20)
        with tarfile.open(fileobj=stream, mode="r|") as archive:
            return [Entry(m.name.lstrip("./"), _kind(m), m.mode, m.size) for m in archive]
    finally:
        container.remove(force=True)


def _members_containing(layer: bytes, needle: bytes) -> Iterator[str]:
    """Paths of the files in a layer tar whose content contains `needle`."""
    with tarfile.open(fileobj=io.BytesIO(layer), mode="r:") as archive:
        for member in archive:
            handle = archive.extractfile(member) if member.isfile() else None
            if handle is not None and needle in handle.read():
                yield member.name


def find_in_layers(client: docker.DockerClient, image: str, needle: bytes) -> list[str]:
    """Every place in `image`'s saved form (layers, config, manifests) holding `needle`.

    Layers are searched file by file, so a secret that a later layer deleted
    is still found where it was written.
    """
    found: list[str] = []
    saved = io.BufferedReader(_ChunkStream(client.images.get(image).save()), buffer_size=1 << 20)
    with tarfile.open(fileobj=saved, mode="r|") as archive:
        for blob in archive:
            handle = archive.extractfile(blob) if blob.isfile() else None
            if handle is None:
                continue
            data = handle.read()
            if needle not in data:
                continue
            if _is_tar(data):
                found += [f"{blob.name}: {path}" for path in _members_containing(data, needle)]
            else:
                found.append(blob.name)
    return found


def _is_tar(data: bytes) -> bool:
    """Whether `data` starts like a tar archive (ustar magic at offset 257)."""
    return data[257:262] == b"ustar"
