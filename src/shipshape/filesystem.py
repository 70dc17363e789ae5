"""The image's filesystem as a container sees it (every layer applied).

Scanning the exported filesystem, not `$PATH`, finds a compiler or a cache
wherever it was left: a `which gcc` in the container misses /usr/lib/gcc and
/root/.cache/pip entirely.
"""

from __future__ import annotations

import contextlib
import fnmatch
import gzip
import hashlib
import io
import itertools
import json
import tarfile
import zlib
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import IO, Any, Generic, TypeVar, cast

import docker
import zstandard

from shipshape.errors import PropertyFailed

T = TypeVar("T")


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


# ------------------------------------------------------------------ saved image
#
# `docker save` writes the legacy layout (manifest.json, <id>/layer.tar) or an
# OCI layout (index.json, blobs/sha256/...). The classic image store hands
# out plain tar layers; the containerd image store (Docker 29's default)
# hands out gzip or zstd compressed ones. Each blob is therefore recognised
# by its magic bytes and read decompressed, one streamed pass, never holding
# a whole layer in memory.

_CHUNK = 1 << 20
_JSON_LIMIT = 4 << 20  # manifests and configs are a few KB
# Every layer media type holds ".tar": application/vnd.oci.image.layer.v1.tar
# (+gzip, +zstd), application/vnd.docker.image.rootfs.diff.tar(.gzip).
_LAYER_HINT = ".tar"
_LEGACY_LAYER = "application/vnd.docker.image.rootfs.diff.tar"  # <id>/layer.tar: no media type
_READ_ERRORS = (tarfile.TarError, OSError, EOFError, zlib.error, zstandard.ZstdError)


class _NeedleWatch:
    """Whether `needle` went past in a stream of chunks (also across chunk boundaries)."""

    def __init__(self, needle: bytes) -> None:
        self.needle = needle
        self.seen = False
        self._tail = b""

    def feed(self, chunk: bytes) -> None:
        if self.seen or not chunk:
            return
        keep = len(self.needle) - 1  # what may hold the needle's start, from the chunk before
        self.seen = self.needle in chunk or self.needle in self._tail + chunk[:keep]
        self._tail = (self._tail + chunk[-keep:])[-keep:] if keep > 0 else b""

    def watch(self, chunks: Iterable[bytes]) -> Iterator[bytes]:
        for chunk in chunks:
            self.feed(chunk)
            yield chunk


def _chunks_of(handle: IO[bytes]) -> Iterator[bytes]:
    return iter(lambda: handle.read(_CHUNK), b"")


def _contains(handle: IO[bytes], needle: bytes) -> bool:
    """Whether a file holds `needle`, read a chunk at a time."""
    watch = _NeedleWatch(needle)
    for chunk in _chunks_of(handle):
        watch.feed(chunk)
        if watch.seen:
            return True
    return False


def _format(head: bytes) -> str | None:
    """What a blob is, from its first 512 bytes: "tar", "gzip", "zstd", or None."""
    if head[:2] == b"\x1f\x8b":
        return "gzip"
    if head[:4] == b"\x28\xb5\x2f\xfd":
        return "zstd"
    if head[257:262] == b"ustar" or (len(head) == 512 and not head.strip(b"\0")):
        return "tar"  # (an all-zero block: an empty layer's end-of-archive marker)
    return None


def _decompressed(stream: IO[bytes], fmt: str) -> IO[bytes]:
    """The blob's tar, decompressed as it is read."""
    if fmt == "gzip":
        return gzip.GzipFile(fileobj=stream, mode="rb")
    if fmt == "zstd":
        reader = zstandard.ZstdDecompressor().stream_reader(stream, read_across_frames=True)
        return cast(IO[bytes], reader)
    return stream


@dataclass
class _Saved(Generic[T]):
    """What one pass over an image's `docker save` stream found, blob by blob."""

    names: list[str] = field(default_factory=list)  # every blob, in stream order
    tars: dict[str, T] = field(default_factory=dict)  # blob read as a tar -> what read_tar said
    unreadable: dict[str, str] = field(default_factory=dict)  # blob -> why it is no tar
    docs: dict[str, Any] = field(default_factory=dict)  # small JSON blobs, parsed
    raw_hits: set[str] = field(default_factory=set)  # blobs whose stored bytes hold the needle
    passed_over: set[str] = field(default_factory=set)  # blobs drained unread, as asked

    def layers(self) -> dict[str, str]:
        """Each layer blob the saved manifests list, with its media type."""
        layers: dict[str, str] = {}
        for image in _as_list(self.docs.get("manifest.json")):
            sources = image.get("LayerSources") or {}
            for name in image.get("Layers") or []:
                source = sources.get("sha256:" + name.rsplit("/", 1)[-1]) or {}
                layers[name] = source.get("mediaType", _LEGACY_LAYER)
        pending = list((self.docs.get("index.json") or {}).get("manifests") or [])
        visited: set[str] = set()
        while pending:
            name = _blob_name(pending.pop().get("digest", ""))
            manifest = self.docs.get(name)
            if name in visited or not isinstance(manifest, dict):
                continue  # a platform the save left out, or seen already
            visited.add(name)
            pending += manifest.get("manifests") or []  # a nested index
            for layer in manifest.get("layers") or []:
                if _LAYER_HINT in layer.get("mediaType", ""):  # not an attestation's in-toto JSON
                    layers[_blob_name(layer["digest"])] = layer["mediaType"]
        return layers

    def readable_layers(self) -> dict[str, str]:
        """The layers, or PropertyFailed naming each one that could not be read as a tar."""
        layers = self.layers()
        problems = [
            f"layer {name} ({media_type}) cannot be read: "
            + self.unreadable.get(name, "it is not in the saved image")
            + "; an unreadable layer is never passed"
            for name, media_type in layers.items()
            if name not in self.tars and name not in self.passed_over
        ]
        if problems:
            raise PropertyFailed("\n".join(problems))
        return layers


def _as_list(doc: Any) -> list[dict[str, Any]]:
    return [item for item in doc if isinstance(item, dict)] if isinstance(doc, list) else []


def _blob_name(digest: str) -> str:
    algorithm, _, encoded = digest.partition(":")
    return f"blobs/{algorithm}/{encoded}"


def _read_saved(
    client: docker.DockerClient,
    image: str,
    read_tar: Callable[[tarfile.TarFile], T],
    needle: bytes | None = None,
    pass_over: frozenset[str] = frozenset(),
) -> _Saved[T]:
    """One streamed pass over `docker save`: each layer through `read_tar`, decompressed.

    With a `needle`, every blob's stored bytes are searched for it as well
    (what the JSON blobs are searched by). Blobs named in `pass_over` are
    drained unread.
    """
    saved: _Saved[T] = _Saved()
    stream = io.BufferedReader(_ChunkStream(client.images.get(image).save()), buffer_size=_CHUNK)
    with tarfile.open(fileobj=stream, mode="r|") as archive:
        for blob in archive:
            name = blob.name.removeprefix("./")
            handle = archive.extractfile(blob) if blob.isfile() else None
            if handle is None:
                continue
            if name in pass_over:
                saved.names.append(name)
                saved.passed_over.add(name)
            else:
                _read_blob(saved, name, blob.size, handle, read_tar, needle)
    return saved


def _read_blob(
    saved: _Saved[T],
    name: str,
    size: int,
    handle: IO[bytes],
    read_tar: Callable[[tarfile.TarFile], T],
    needle: bytes | None,
) -> None:
    saved.names.append(name)
    head = handle.read(512)
    chunks: Iterator[bytes] = itertools.chain([head], _chunks_of(handle))
    watch = _NeedleWatch(needle) if needle is not None else None
    if watch is not None:
        chunks = watch.watch(chunks)
    fmt = _format(head)
    if fmt is None:
        saved.unreadable[name] = f"not a tar, gzip or zstd stream (it starts {head[:8].hex(' ')})"
        if size <= _JSON_LIMIT and head.lstrip()[:1] in (b"{", b"["):
            with contextlib.suppress(ValueError):
                saved.docs[name] = json.loads(b"".join(chunks))
    else:
        try:
            raw = io.BufferedReader(_ChunkStream(chunks), buffer_size=_CHUNK)
            with (
                _decompressed(raw, fmt) as layer,
                tarfile.open(fileobj=layer, mode="r|") as tar,
            ):
                saved.tars[name] = read_tar(tar)
        except _READ_ERRORS as error:
            label = "a tar" if fmt == "tar" else f"a {fmt}-compressed tar"
            why = f"{type(error).__name__}: {error}"
            saved.unreadable[name] = f"reading it as {label} failed ({why})"
    for _ in chunks:  # the rest, so that the stored bytes are searched to the end
        pass
    if watch is not None and watch.seen:
        saved.raw_hits.add(name)


def _members_holding(tar: tarfile.TarFile, needle: bytes) -> list[str]:
    """Paths in a layer whose name, link target, PAX headers or content hold `needle`."""
    text = needle.decode("utf-8", "surrogateescape")
    found = []
    for member in tar:
        named = [member.name, member.linkname, *member.pax_headers.values()]
        handle = tar.extractfile(member) if member.isfile() else None
        if any(text in value for value in named) or (handle and _contains(handle, needle)):
            found.append(member.name)
    return found


def _content_size(tar: tarfile.TarFile) -> int:
    """The bytes a layer stores: its files' sizes and its symlinks' targets.

    What the classic store counts as a layer's size (the files on disk, not
    the tar stream, whose headers and padding add some 2% more).
    """
    return sum(
        member.size if member.isreg() else len(member.linkname) if member.issym() else 0
        for member in tar
    )


def diff_ids(attrs: Mapping[str, Any]) -> tuple[str, ...]:
    """An image's layers by diff id (the digest of the uncompressed tar), bottom first,
    from its `docker image inspect`."""
    return tuple((attrs.get("RootFS") or {}).get("Layers") or ())


def find_in_layers(
    client: docker.DockerClient,
    image: str,
    needle: bytes,
    predating: Iterable[str] = (),
) -> list[str]:
    """Every place in `image`'s saved form (layers, config, manifests) holding `needle`.

    Layers are searched file by file after decompression, so a secret that a
    later layer deleted is still found where it was written. A layer that
    cannot be read raises PropertyFailed: an unsearched layer is never passed.
    `predating`: diff ids of layers that existed before the needle was made
    (a base image's, for a canary made for this search): the same bytes
    cannot hold it, and the blob stored under that digest (an uncompressed
    layer, as the classic store saves it) is not searched.
    """
    pass_over = frozenset(_blob_name(diff_id) for diff_id in predating)
    saved = _read_saved(client, image, lambda tar: _members_holding(tar, needle), needle, pass_over)
    saved.readable_layers()
    found: list[str] = []
    for name in saved.names:
        if name in saved.tars:
            found += [f"{name}: {path}" for path in saved.tars[name]]
        elif name in saved.raw_hits:
            found.append(name)
    return found


@dataclass(frozen=True)
class LayerFile:
    """One member of a layer's tar, as far as it decides the layer's digest."""

    kind: str  # "file" | "dir" | "link" | "whiteout"...
    mode: int
    owner: str  # "uid:gid"
    mtime: float
    size: int
    content: str  # a file's sha256, a link's target, "" otherwise


def _member_kind(member: tarfile.TarInfo) -> str:
    if member.name.rsplit("/", 1)[-1].startswith(".wh."):
        return "whiteout"
    if member.islnk():
        return "hardlink"
    return _kind(member)


def _layer_listing(tar: tarfile.TarFile) -> dict[str, LayerFile]:
    listing: dict[str, LayerFile] = {}
    for member in tar:
        content = member.linkname
        handle = tar.extractfile(member) if member.isreg() else None
        if handle is not None:
            digest = hashlib.sha256()
            for chunk in _chunks_of(handle):
                digest.update(chunk)
            content = digest.hexdigest()
        listing[member.name.removeprefix("./")] = LayerFile(
            kind=_member_kind(member),
            mode=member.mode,
            owner=f"{member.uid}:{member.gid}",
            mtime=member.mtime,
            size=member.size,
            content=content,
        )
    return listing


def layer_files(client: docker.DockerClient, image: str) -> list[dict[str, LayerFile]]:
    """Each layer of `image`, bottom first, as path -> LayerFile (contents hashed, not kept).

    What tells two builds' layers apart when their digests differ: the
    files whose content, time, mode or owner changed.
    """
    saved = _read_saved(client, image, _layer_listing)
    layers = saved.readable_layers()
    # manifest.json lists a layer at every position it holds (an empty layer
    # may come twice), as RootFS.Layers does; the dict of layers keeps it once.
    images = _as_list(saved.docs.get("manifest.json"))
    order = list(images[0].get("Layers") or []) if images else list(layers)
    return [saved.tars[name] for name in order]


def config_digest(client: docker.DockerClient, image: str) -> str:
    """The digest of `image`'s config blob, as its saved manifest names it.

    The same on either store: the classic store's image id is this digest,
    the containerd store's is that of a manifest or index (which may hold a
    provenance attestation with the build's start time).
    """
    saved = _read_saved(client, image, lambda tar: None)
    images = _as_list(saved.docs.get("manifest.json"))
    if images and images[0].get("Config"):  # "blobs/sha256/<hex>", or "<hex>.json" (legacy)
        return "sha256:" + str(images[0]["Config"]).rsplit("/", 1)[-1].removesuffix(".json")
    pending = list((saved.docs.get("index.json") or {}).get("manifests") or [])
    while pending:  # an OCI layout only: index -> (nested index ->) the image's manifest
        manifest = saved.docs.get(_blob_name(pending.pop(0).get("digest", "")))
        if isinstance(manifest, dict):
            if (manifest.get("config") or {}).get("digest"):
                return str(manifest["config"]["digest"])
            pending += manifest.get("manifests") or []
    raise PropertyFailed(f"`docker save {image}` names no image config")


def uncompressed_size(client: docker.DockerClient, image: str) -> int:
    """The image's size: its layers' uncompressed content, each distinct layer once.

    The same on every image store and compression; on the classic store it
    is what `docker image inspect` reports as Size.
    """
    saved = _read_saved(client, image, _content_size)
    return sum(saved.tars[name] for name in saved.readable_layers())
