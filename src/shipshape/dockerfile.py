"""Just enough Dockerfile parsing to know a build's base images.

The content hash includes the base images' ids (a new base means a new
image), the substitution map needs the names the FROM lines really use after
ARG expansion, and the `size` property measures growth over the final
stage's base.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

_VAR = re.compile(r"\$\{(?P<name>\w+)(?::(?P<op>[-+])(?P<word>[^}]*))?\}|\$(?P<bare>\w+)")


@dataclass(frozen=True)
class Stage:
    name: str | None
    base: str  # after ARG expansion; may name an earlier stage


def _logical_lines(text: str) -> list[str]:
    lines, pending = [], ""
    for raw in text.splitlines():
        stripped = raw.strip()
        if stripped.startswith("#") and not pending:
            continue
        if stripped.endswith("\\"):
            pending += stripped[:-1] + " "
            continue
        lines.append(pending + stripped)
        pending = ""
    if pending:
        lines.append(pending)
    return [line for line in lines if line]


def expand(value: str, env: Mapping[str, str]) -> str:
    def substitute(match: re.Match[str]) -> str:
        name = match["name"] or match["bare"]
        current = env.get(name, "")
        if match["op"] == "-":
            return current or expand(match["word"], env)
        if match["op"] == "+":
            return expand(match["word"], env) if current else ""
        return current

    return _VAR.sub(substitute, value)


def parse_stages(text: str, build_args: Mapping[str, str]) -> list[Stage]:
    """The stages in order, with global ARGs (defaults overridden by build args) expanded."""
    env: dict[str, str] = {}
    stages: list[Stage] = []
    for line in _logical_lines(text):
        keyword, _, rest = line.partition(" ")
        keyword = keyword.upper()
        if keyword == "ARG" and not stages:
            for decl in rest.split():
                name, _, default = decl.partition("=")
                env[name] = build_args.get(name, expand(default.strip('"'), env))
        elif keyword == "FROM":
            words = [w for w in rest.split() if not w.startswith("--")]
            base = expand(words[0], env)
            name = words[2] if len(words) >= 3 and words[1].upper() == "AS" else None
            stages.append(Stage(name, base))
    return stages


def external_bases(stages: list[Stage]) -> list[str]:
    """Base images pulled from outside the Dockerfile, in order."""
    names: set[str] = set()
    bases: list[str] = []
    for stage in stages:
        if stage.base not in names and stage.base != "scratch":
            bases.append(stage.base)
        if stage.name:
            names.add(stage.name)
    return bases


def final_base(stages: list[Stage], target: str | None = None) -> str | None:
    """The external image the built stage ultimately starts from."""
    by_name = {s.name: s for s in stages if s.name}
    stage = by_name.get(target) if target else (stages[-1] if stages else None)
    while stage is not None and stage.base in by_name:
        stage = by_name[stage.base]
    return None if stage is None or stage.base == "scratch" else stage.base
