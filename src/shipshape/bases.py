"""Base-image substitution: `official=substitute` lines.

A company mirror or this project's offline stand-ins replace a template's
`FROM python:3.15-slim` without editing the template: each line becomes
`docker buildx build --build-context python:3.15-slim=docker-image://REF`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from shipshape.errors import ConfigError


@dataclass(frozen=True)
class BaseMap:
    substitutes: Mapping[str, str] = field(default_factory=dict)
    source: Path | None = None

    def resolve(self, ref: str) -> str:
        """The image that is really used for `ref`."""
        return self.substitutes.get(ref, ref)

    def build_context_args(self, refs: Iterable[str]) -> list[str]:
        """`--build-context` flags for those of `refs` that have a substitute."""
        args: list[str] = []
        for ref in dict.fromkeys(refs):
            if ref in self.substitutes:
                args += ["--build-context", f"{ref}=docker-image://{self.substitutes[ref]}"]
        return args


def parse_bases(text: str, source: Path | None = None) -> BaseMap:
    where = str(source) if source else "<bases>"
    substitutes: dict[str, str] = {}
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        official, sep, substitute = (part.strip() for part in line.partition("="))
        if not sep or not official or not substitute:
            raise ConfigError(f"{where}:{number}: expected 'official=substitute', got {raw!r}")
        substitutes[official] = substitute
    return BaseMap(substitutes, source)


def load_bases(path: Path | None) -> BaseMap:
    if path is None:
        return BaseMap()
    if not path.is_file():
        raise ConfigError(f"{path}: bases file not found (expected official=substitute lines)")
    return parse_bases(path.read_text(encoding="utf-8"), path)
