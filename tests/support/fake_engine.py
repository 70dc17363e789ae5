"""A stand-in for the few calls of a Docker client that pure code makes: no engine needed."""

from __future__ import annotations

from types import SimpleNamespace

import docker.errors


class FakeImages:
    """`client.images.get(ref)`: the id of each image it holds, ImageNotFound for any other."""

    def __init__(self, ids: dict[str, str]) -> None:
        self.ids = ids

    def get(self, ref: str) -> SimpleNamespace:
        if ref not in self.ids:
            raise docker.errors.ImageNotFound(ref)
        return SimpleNamespace(id=self.ids[ref])


def fake_client(ids: dict[str, str]) -> SimpleNamespace:
    """What build plans and fingerprints ask a client: image ids, the engine's address and info."""
    return SimpleNamespace(
        images=FakeImages(ids),
        api=SimpleNamespace(base_url="http+docker://localhost"),
        info=lambda: {"Driver": "overlay2", "DriverStatus": []},
    )
