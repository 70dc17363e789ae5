"""Base-image substitution: `official=substitute` lines.

A company mirror or this project's offline stand-ins replace a template's
`FROM python:3.15-slim` without editing the template: each line becomes
`docker buildx build --build-context python:3.15-slim=docker-image://REF`.

Lines after a `[linux/arm64]` header apply to that platform only (a
stand-in is built per architecture); lines before any header apply to all.

`official=!reason` declares that an image cannot be had on this machine at
all (no Alpine image without a registry): targets needing it are skipped
with that reason, counted in the report. Any other base that cannot be had
makes the build fail, with the registry's error in the build log: a
misspelled FROM or a registry outage never turns into a skip.

A digest-pinned reference (`python:3.15-slim@sha256:...`) that has no line
of its own takes its tag's substitute: a mirror holds the same digest, and
the stand-ins of an offline machine are the declared replacement anyway.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from shipshape.errors import ConfigError

ANY_PLATFORM = ""


@dataclass(frozen=True)
class BaseMap:
    # platform ("" = any) -> official -> substitute, or "!reason" (unavailable)
    substitutes: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    source: Path | None = None

    def for_platform(self, platform: str) -> dict[str, str]:
        return {
            **self.substitutes.get(ANY_PLATFORM, {}),
            **self.substitutes.get(platform, {}),
        }

    def _line(self, ref: str, platform: str) -> str | None:
        mapping = self.for_platform(platform)
        return mapping.get(ref) or mapping.get(ref.partition("@")[0])

    def resolve(self, ref: str, platform: str = ANY_PLATFORM) -> str:
        """The image that is really used for `ref` on `platform`."""
        line = self._line(ref, platform)
        return line if line and not line.startswith("!") else ref

    def unavailable(self, ref: str, platform: str = ANY_PLATFORM) -> str | None:
        """Why `ref` cannot be had on this machine, when the bases file says so."""
        line = self._line(ref, platform)
        return line[1:].strip() if line and line.startswith("!") else None

    def build_context_args(self, refs: Iterable[str], platform: str = ANY_PLATFORM) -> list[str]:
        """`--build-context` flags for those of `refs` that have a substitute."""
        args: list[str] = []
        for ref in dict.fromkeys(refs):
            substitute = self.resolve(ref, platform)
            if substitute != ref:
                args += ["--build-context", f"{ref}=docker-image://{substitute}"]
        return args


def parse_bases(text: str, source: Path | None = None) -> BaseMap:
    where = str(source) if source else "<bases>"
    substitutes: dict[str, dict[str, str]] = {}
    platform = ANY_PLATFORM
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        if line.startswith("[") and line.endswith("]"):
            platform = line[1:-1].strip()
            continue
        official, sep, substitute = (part.strip() for part in line.partition("="))
        if not sep or not official or not substitute:
            raise ConfigError(f"{where}:{number}: expected 'official=substitute', got {raw!r}")
        substitutes.setdefault(platform, {})[official] = substitute
    return BaseMap(substitutes, source)


def load_bases(path: Path | None) -> BaseMap:
    if path is None:
        return BaseMap()
    if not path.is_file():
        raise ConfigError(f"{path}: bases file not found (expected official=substitute lines)")
    return parse_bases(path.read_text(encoding="utf-8"), path)
