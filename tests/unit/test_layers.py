"""Reading a saved image's layers on either image store, with no Docker engine.

The saved images are built here in memory: the legacy layout (manifest.json,
<id>/layer.tar) of the classic store, and the OCI layout (index.json ->
index -> manifest -> blobs/sha256/...) with the plain, gzip and zstd
layers the containerd store hands out.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import tarfile
from collections.abc import Iterator

import pytest
import zstandard

from shipshape.errors import PropertyFailed
from shipshape.filesystem import find_in_layers, uncompressed_size
from shipshape.properties import size

CANARY = b"shipshape-canary-0123456789abcdef"
OCI_TAR = "application/vnd.oci.image.layer.v1.tar"
OCI_GZIP = OCI_TAR + "+gzip"
OCI_ZSTD = OCI_TAR + "+zstd"
DOCKER_GZIP = "application/vnd.docker.image.rootfs.diff.tar.gzip"
IN_TOTO = "application/vnd.in-toto+json"

BASE_FILES = {"etc/os-release": b"ID=debian\n", "usr/bin/tool": b"\x7fELF" + b"x" * 3000}
APP_FILES = {"app/main.py": b"print('hi')\n", "app/.env": b"TOKEN=" + CANARY + b"\n"}


# ------------------------------------------------------------ building saved images


def tar_of(files: dict[str, bytes], symlinks: dict[str, str] | None = None) -> bytes:
    """A layer tar: regular files, and symlinks (path -> target)."""
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w", format=tarfile.PAX_FORMAT) as tar:
        for path, content in files.items():
            info = tarfile.TarInfo(path)
            info.size = len(content)
            tar.addfile(info, io.BytesIO(content))
        for path, target in (symlinks or {}).items():
            info = tarfile.TarInfo(path)
            info.type = tarfile.SYMTYPE
            info.linkname = target
            tar.addfile(info)
    return out.getvalue()


def gz(data: bytes) -> bytes:
    return gzip.compress(data)


def zst(data: bytes) -> bytes:
    return zstandard.ZstdCompressor().compress(data)


def digest(data: bytes) -> str:
    return "sha256:" + hashlib.sha256(data).hexdigest()


def blob_path(data: bytes) -> str:
    return "blobs/sha256/" + hashlib.sha256(data).hexdigest()


def archive_of(files: list[tuple[str, bytes]]) -> bytes:
    """The `docker save` stream: a tar of the given files, in this order."""
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w") as tar:
        for name, content in files:
            info = tarfile.TarInfo(name)
            info.size = len(content)
            tar.addfile(info, io.BytesIO(content))
    return out.getvalue()


def config_of(env: list[str] | None = None) -> bytes:
    return json.dumps({"architecture": "amd64", "config": {"Env": env or []}}).encode()


def legacy_save(layers: list[bytes], config: bytes | None = None) -> bytes:
    """The classic store's legacy layout: <id>/layer.tar and manifest.json."""
    config = config or config_of()
    names = [f"{hashlib.sha256(layer).hexdigest()}/layer.tar" for layer in layers]
    manifest = [{"Config": "config.json", "RepoTags": ["app:1"], "Layers": names}]
    files = [*zip(names, layers, strict=True), ("config.json", config)]
    return archive_of([*files, ("manifest.json", json.dumps(manifest).encode())])


def oci_save(
    layers: list[tuple[bytes, str]],
    config: bytes | None = None,
    *,
    leave_out: frozenset[str] = frozenset(),
) -> bytes:
    """The containerd store's OCI layout: index.json -> image index -> manifests -> blobs.

    The image index also lists a BuildKit attestation (an in-toto JSON
    layer, no tar) and a platform whose blobs the save left out.
    """
    config = config or config_of()
    manifest = json.dumps(
        {
            "schemaVersion": 2,
            "mediaType": "application/vnd.oci.image.manifest.v1+json",
            "config": {
                "mediaType": "application/vnd.oci.image.config.v1+json",
                "digest": digest(config),
            },
            "layers": [{"mediaType": kind, "digest": digest(blob)} for blob, kind in layers],
        }
    ).encode()
    statement = json.dumps({"_type": "https://in-toto.io/Statement/v0.1"}).encode()
    attestation = json.dumps(
        {"schemaVersion": 2, "layers": [{"mediaType": IN_TOTO, "digest": digest(statement)}]}
    ).encode()
    image_index = json.dumps(
        {
            "schemaVersion": 2,
            "mediaType": "application/vnd.oci.image.index.v1+json",
            "manifests": [
                {"digest": digest(manifest), "platform": {"os": "linux", "architecture": "amd64"}},
                {"digest": "sha256:" + "0" * 64, "platform": {"architecture": "arm64"}},
                {"digest": digest(attestation), "platform": {"architecture": "unknown"}},
            ],
        }
    ).encode()
    index = json.dumps({"schemaVersion": 2, "manifests": [{"digest": digest(image_index)}]})
    blobs = [blob for blob, _ in layers] + [config, manifest, statement, attestation, image_index]
    files = [(blob_path(blob), blob) for blob in dict.fromkeys(blobs)]
    files = [(name, blob) for name, blob in files if name not in leave_out]
    return archive_of(
        [*files, ("index.json", index.encode()), ("oci-layout", b'{"imageLayoutVersion":"1.0.0"}')]
    )


class FakeImage:
    def __init__(self, saved: bytes, chunk: int) -> None:
        self._saved = saved
        self._chunk = chunk
        self.id = digest(saved)

    def save(self, chunk_size: int = 2097152, named: bool = False) -> Iterator[bytes]:
        for start in range(0, len(self._saved), self._chunk):
            yield self._saved[start : start + self._chunk]


class FakeImages:
    def __init__(self, saved: bytes, chunk: int) -> None:
        self._image = FakeImage(saved, chunk)

    def get(self, ref: str) -> FakeImage:
        return self._image


class FakeClient:
    """Just enough of docker.DockerClient: images.get(ref).save() yields the saved tar."""

    def __init__(self, saved: bytes, chunk: int = 7919) -> None:  # odd, to split headers
        self.images = FakeImages(saved, chunk)


def found(saved: bytes) -> list[str]:
    return find_in_layers(FakeClient(saved), "app:1", CANARY)  # type: ignore[arg-type]


# ------------------------------------------------------------ find_in_layers


def test_canary_in_a_plain_layer_of_the_legacy_layout_is_found() -> None:
    app = tar_of(APP_FILES)
    saved = legacy_save([tar_of(BASE_FILES), app])
    assert found(saved) == [f"{hashlib.sha256(app).hexdigest()}/layer.tar: app/.env"]


def test_canary_in_a_plain_layer_of_the_oci_layout_is_found() -> None:
    app = tar_of(APP_FILES)
    saved = oci_save([(tar_of(BASE_FILES), OCI_TAR), (app, OCI_TAR)])
    assert found(saved) == [f"{blob_path(app)}: app/.env"]


def diff_id(layer_tar: bytes) -> str:
    return "sha256:" + hashlib.sha256(layer_tar).hexdigest()


def test_a_layer_that_predates_the_canary_is_not_searched_and_the_rest_is() -> None:
    """A base's layers existed before the canary: the same bytes (one diff id) cannot hold it.

    Here the "base" layer holds it all the same, to show it is not read.
    """
    base, app = tar_of(APP_FILES), tar_of({**APP_FILES, "app/other.py": b"x = 1\n"})
    saved = oci_save([(base, OCI_TAR), (app, OCI_TAR)])
    client = FakeClient(saved)
    searched = find_in_layers(client, "app:1", CANARY, predating=[diff_id(base)])  # type: ignore[arg-type]
    assert searched == [f"{blob_path(app)}: app/.env"]
    assert len(found(saved)) == 2  # without it, both layers are searched


def test_a_compressed_layer_is_searched_though_its_diff_id_predates() -> None:
    """The containerd store saves compressed blobs: their digest is not the diff id."""
    layer = tar_of(APP_FILES)
    saved = oci_save([(gz(layer), OCI_GZIP)])
    client = FakeClient(saved)
    searched = find_in_layers(client, "app:1", CANARY, predating=[diff_id(layer)])  # type: ignore[arg-type]
    assert searched == [f"{blob_path(gz(layer))}: app/.env"]


@pytest.mark.parametrize("media_type", [OCI_GZIP, DOCKER_GZIP])
def test_canary_in_a_gzip_layer_is_found(media_type: str) -> None:
    app = gz(tar_of(APP_FILES))
    assert CANARY not in app  # only decompressed does the layer show it
    saved = oci_save([(gz(tar_of(BASE_FILES)), media_type), (app, media_type)])
    assert found(saved) == [f"{blob_path(app)}: app/.env"]


def test_canary_in_a_zstd_layer_is_found() -> None:
    app = zst(tar_of(APP_FILES))
    assert CANARY not in app
    saved = oci_save([(zst(tar_of(BASE_FILES)), OCI_ZSTD), (app, OCI_ZSTD)])
    assert found(saved) == [f"{blob_path(app)}: app/.env"]


@pytest.mark.parametrize(("compress", "media_type"), [(gz, OCI_GZIP), (zst, OCI_ZSTD)])
def test_a_file_deleted_by_a_later_layer_is_found_in_the_layer_that_wrote_it(
    compress, media_type: str
) -> None:
    wrote = compress(tar_of(APP_FILES))
    deleted = compress(tar_of({"app/.wh..env": b""}))  # the whiteout of `RUN rm app/.env`
    saved = oci_save(
        [(compress(tar_of(BASE_FILES)), media_type), (wrote, media_type), (deleted, media_type)]
    )
    assert found(saved) == [f"{blob_path(wrote)}: app/.env"]


def test_a_file_deleted_by_a_later_layer_is_found_in_the_legacy_layout() -> None:
    wrote = tar_of(APP_FILES)
    saved = legacy_save([wrote, tar_of({"app/.wh..env": b""})])
    assert found(saved) == [f"{hashlib.sha256(wrote).hexdigest()}/layer.tar: app/.env"]


@pytest.mark.parametrize("compress", [gz, zst])
def test_canary_split_across_read_chunks_of_a_large_file_is_found(compress) -> None:
    big = b"a" * ((1 << 20) - 10) + CANARY + b"b" * (1 << 20)  # straddles the 1 MiB reads
    layer = compress(tar_of({"usr/lib/big.so": big}))
    saved = oci_save([(layer, OCI_ZSTD if compress is zst else OCI_GZIP)])
    assert found(saved) == [f"{blob_path(layer)}: usr/lib/big.so"]


def test_canary_in_a_path_name_is_found() -> None:
    layer = gz(tar_of({f"root/{CANARY.decode()}.txt": b"nothing here"}))
    saved = oci_save([(layer, OCI_GZIP)])
    assert found(saved) == [f"{blob_path(layer)}: root/{CANARY.decode()}.txt"]


def test_canary_in_the_config_json_is_found_as_the_blob() -> None:
    config = config_of(env=["TOKEN=" + CANARY.decode()])
    saved = oci_save([(gz(tar_of(BASE_FILES)), OCI_GZIP)], config)
    assert found(saved) == [blob_path(config)]
    assert found(legacy_save([tar_of(BASE_FILES)], config)) == ["config.json"]


def test_clean_image_finds_nothing_on_either_layout() -> None:
    layers = [tar_of(BASE_FILES), tar_of({"app/main.py": b"print('hi')\n"})]
    assert found(legacy_save(layers)) == []
    assert found(oci_save([(gz(layers[0]), OCI_GZIP), (zst(layers[1]), OCI_ZSTD)])) == []


def test_an_empty_layer_is_read() -> None:
    empty = tar_of({})
    assert found(oci_save([(empty, OCI_TAR), (gz(empty), OCI_GZIP)])) == []


def test_a_layer_blob_of_garbage_fails_naming_the_blob_its_media_type_and_why() -> None:
    garbage = b"\x00\x01not a layer at all" * 100
    saved = oci_save([(gz(tar_of(BASE_FILES)), OCI_GZIP), (garbage, OCI_ZSTD)])
    with pytest.raises(PropertyFailed) as failure:
        found(saved)
    message = str(failure.value)
    assert message.startswith(f"layer {blob_path(garbage)} ({OCI_ZSTD}) cannot be read: ")
    assert "not a tar, gzip or zstd stream" in message
    assert message.endswith("an unreadable layer is never passed")


@pytest.mark.parametrize(
    ("blob", "media_type", "why"),
    [
        (gz(tar_of(APP_FILES))[:60], OCI_GZIP, "gzip-compressed tar failed"),
        (zst(tar_of(APP_FILES))[:40], OCI_ZSTD, "zstd-compressed tar failed"),
        (gz(b"plain text, no tar inside" * 40), OCI_GZIP, "gzip-compressed tar failed"),
    ],
    ids=["truncated-gzip", "truncated-zstd", "gzip-of-no-tar"],
)
def test_a_layer_that_is_no_tar_after_decompression_fails(
    blob: bytes, media_type: str, why: str
) -> None:
    with pytest.raises(PropertyFailed, match=f"layer {blob_path(blob)} .*{why}"):
        found(oci_save([(blob, media_type)]))


def test_a_legacy_layer_of_garbage_fails_naming_it() -> None:
    saved = legacy_save([tar_of(BASE_FILES), b"garbage" * 200])
    name = f"{hashlib.sha256(b'garbage' * 200).hexdigest()}/layer.tar"
    with pytest.raises(PropertyFailed, match=f"layer {name} \\(application/vnd.docker"):
        found(saved)


def test_a_layer_missing_from_the_save_fails() -> None:
    layer = gz(tar_of(APP_FILES))
    saved = oci_save([(layer, OCI_GZIP)], leave_out=frozenset({blob_path(layer)}))
    with pytest.raises(PropertyFailed, match="it is not in the saved image"):
        found(saved)


# ------------------------------------------------------------ uncompressed_size


def content_size(files: dict[str, bytes], symlinks: dict[str, str] | None = None) -> int:
    return sum(map(len, files.values())) + sum(map(len, (symlinks or {}).values()))


def test_uncompressed_size_sums_the_files_of_each_distinct_layer_once() -> None:
    base = tar_of(BASE_FILES, symlinks={"usr/bin/python3": "python3.15"})
    app = tar_of(APP_FILES)
    empty = tar_of({"app/.keep": b""})
    saved = oci_save(
        [(gz(base), OCI_GZIP), (zst(app), OCI_ZSTD), (empty, OCI_TAR), (empty, OCI_TAR)]
    )  # listed twice (two identical layers): counted once
    expected = content_size(BASE_FILES, {"usr/bin/python3": "python3.15"}) + content_size(APP_FILES)
    assert uncompressed_size(FakeClient(saved), "app:1") == expected  # type: ignore[arg-type]


def test_uncompressed_size_is_the_same_on_both_layouts_and_any_compression() -> None:
    layers = [tar_of(BASE_FILES), tar_of(APP_FILES)]
    legacy = legacy_save(layers)
    oci = oci_save([(zst(layers[0]), OCI_ZSTD), (gz(layers[1]), DOCKER_GZIP)])
    sizes = {uncompressed_size(FakeClient(s), "app:1") for s in (legacy, oci)}  # type: ignore[arg-type]
    assert sizes == {content_size(BASE_FILES) + content_size(APP_FILES)}


def test_uncompressed_size_fails_on_an_unreadable_layer() -> None:
    saved = oci_save([(b"\x28\xb5\x2f\xfd" + b"broken zstd frame" * 10, OCI_ZSTD)])
    with pytest.raises(PropertyFailed, match="zstd-compressed tar failed"):
        uncompressed_size(FakeClient(saved), "app:1")  # type: ignore[arg-type]


def test_size_value_says_how_it_was_measured() -> None:
    mb = 1_000_000
    params = size.Params(max_added_mb=60, max_mb=200)
    text, _ = size.size_verdict(281 * mb, 263 * mb, "python:3.15-slim", "python:3.15-slim", params)
    assert text == "281 MB (+18), uncompressed layers"
    text, _ = size.size_verdict(310 * mb, 289 * mb, "python:3.15-slim", "local/python", params)
    assert text.startswith(
        "310 MB (+21), uncompressed layers; absolute budget 200 MB not applicable"
    )
