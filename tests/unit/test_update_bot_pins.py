"""Every base image a template pins is visible to the update bot.

Dependabot's docker ecosystem sees no `FROM ${UV_IMAGE}`; Renovate, with the
custom regex manager in renovate.json, must. This test reads renovate.json
and does what Renovate's regex manager does: it selects the repository's
files by the manager's `managerFilePatterns` (or legacy `fileMatch`) and
applies each of its `matchStrings` to the whole file, globally (Renovate's
`g` flag, no multiline flag), taking the named groups depName, currentValue
and currentDigest (JavaScript's `(?<name>` is Python's `(?P<name>`).

What must be found is decided independently, by shipshape's own Dockerfile
parser: every image each template pulls (each FROM with its ARG defaults
expanded, each `COPY --from=<image>`, each `RUN --mount=...,from=<image>`);
and, from the Compose files read as YAML, the image of every service that
builds nothing (a variable's default, `${POSTGRES_IMAGE:-postgres:16}`, is
what a plain `docker compose up` runs). For each, a dependency with that
image's name, its version (the tag, or the version the tag starts with:
`python:3.15-slim` is python 3.15) and its digest if pinned.
"""

from __future__ import annotations

import fnmatch
import json
import re
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml

from shipshape.composefile import services
from shipshape.dockerfile import parse

REPO = Path(__file__).resolve().parents[2]
TEMPLATES = sorted((REPO / "dockerfiles").glob("Dockerfile.*"))
COMPOSE_FILES = sorted((REPO / "dockerfiles").glob("docker-compose*.yml"))
CONFIG = json.loads((REPO / "renovate.json").read_text(encoding="utf-8"))


@dataclass(frozen=True)
class Dep:
    dep_name: str
    current_value: str | None
    current_digest: str | None
    datasource: str | None


def python_regex(javascript: str) -> re.Pattern[str]:
    """A Renovate matchString (JavaScript syntax) as a Python pattern."""
    return re.compile(re.sub(r"\(\?<([A-Za-z][A-Za-z0-9]*)>", r"(?P<\1>", javascript))


def file_pattern_matches(pattern: str, path: str) -> bool:
    """Renovate's managerFilePatterns: `/regex/` is a regex, anything else a glob."""
    if len(pattern) > 1 and pattern.startswith("/") and pattern.rstrip("i").endswith("/"):
        return re.search(pattern[1 : pattern.rstrip("i").rindex("/")], path) is not None
    return fnmatch.fnmatch(path, pattern)


def regex_managers(config: dict) -> list[dict]:
    return [m for m in config.get("customManagers") or [] if m.get("customType") == "regex"]


def selects(manager: dict, path: str) -> bool:
    patterns = manager.get("managerFilePatterns")
    if patterns is not None:
        return any(file_pattern_matches(p, path) for p in patterns)
    return any(re.search(p, path) for p in manager.get("fileMatch") or [])


def extract(manager: dict, text: str) -> list[Dep]:
    """The dependencies Renovate's regex manager (strategy `any`) takes from `text`."""
    assert manager.get("matchStringsStrategy", "any") == "any"
    deps = []
    for match_string in manager["matchStrings"]:
        for match in python_regex(match_string).finditer(text):
            groups = {k: v for k, v in match.groupdict().items() if v is not None}
            deps.append(
                Dep(
                    groups.get("depName") or manager.get("depNameTemplate", ""),
                    groups.get("currentValue") or manager.get("currentValueTemplate"),
                    groups.get("currentDigest"),
                    groups.get("datasource") or manager.get("datasourceTemplate"),
                )
            )
    return deps


def extracted(config: dict, path: str, text: str) -> list[Dep]:
    """Everything every regex manager of `config` that selects `path` finds in `text`."""
    return [d for m in regex_managers(config) if selects(m, path) for d in extract(m, text)]


def split_image(ref: str) -> tuple[str, str | None, str | None]:
    """name, tag, digest of an image reference (a registry port is not a tag)."""
    name, _, digest = ref.partition("@")
    slash = name.rfind("/")
    colon = name.rfind(":")
    tag = None
    if colon > slash:
        name, tag = name[:colon], name[colon + 1 :]
    return name, tag, digest or None


def pulled_images(text: str, source: str) -> list[str]:
    """Every image a Dockerfile pulls in any of its stages (ARG defaults expanded)."""
    dockerfile = parse(text, source=source)
    return list(dict.fromkeys(ref for stage in dockerfile.stages for ref in stage.images))


# `${NAME:-default}` or `${NAME-default}`: Compose runs the default when NAME is unset.
VARIABLE_WITH_DEFAULT = re.compile(r"\$\{[A-Za-z0-9_]+:?-(?P<default>[^}]*)\}")


def compose_pulled_images(text: str) -> list[str]:
    """The image of every service that builds nothing, as a plain `docker compose up` runs it."""
    images = []
    for service in services(yaml.safe_load(text)).values():
        image = service.get("image")
        if service.get("build") or not image:
            continue
        expanded = VARIABLE_WITH_DEFAULT.sub(lambda m: m["default"], image)
        if expanded and "$" not in expanded:  # a bare ${NAME}: the user names it, no pin
            images.append(expanded)
    return images


def found_by(dep: Dep, name: str, tag: str | None, digest: str | None) -> bool:
    if dep.datasource != "docker" or dep.dep_name != name or dep.current_digest != digest:
        return False
    if tag is None or dep.current_value is None:
        return tag == dep.current_value
    return tag == dep.current_value or tag.startswith(dep.current_value + "-")


def unmatched_pins(config: dict, path: str, text: str) -> list[str]:
    """The images `text` pulls that the bot would not find, each with what it finds."""
    deps = extracted(config, path, text)
    pulled = compose_pulled_images(text) if path.endswith(".yml") else pulled_images(text, path)
    missing = []
    for ref in pulled:
        name, tag, digest = split_image(ref)
        if not any(found_by(d, name, tag, digest) for d in deps):
            seen = ", ".join(f"{d.dep_name}:{d.current_value}" for d in deps) or "nothing"
            missing.append(f"{path}: {ref} is not found by renovate.json (it finds {seen})")
    return missing


# ------------------------------------------------------------------ the pins


def relative(path: Path) -> str:
    return path.relative_to(REPO).as_posix()


def test_there_are_templates_and_a_regex_manager() -> None:
    assert len(TEMPLATES) >= 5 and regex_managers(CONFIG)


@pytest.mark.parametrize("template", TEMPLATES, ids=lambda p: p.name)
def test_the_bot_reads_every_template(template: Path) -> None:
    assert any(selects(m, relative(template)) for m in regex_managers(CONFIG))


@pytest.mark.parametrize("template", TEMPLATES, ids=lambda p: p.name)
def test_every_pin_of_every_template_is_found_with_its_name_and_version(template: Path) -> None:
    text = template.read_text(encoding="utf-8")
    assert pulled_images(text, relative(template)), "the parser found no image at all"
    assert unmatched_pins(CONFIG, relative(template), text) == []


def test_the_stack_pulls_images_the_bot_must_find() -> None:
    pulled = [ref for f in COMPOSE_FILES for ref in compose_pulled_images(f.read_text())]
    assert {"postgres:16", "redis:7"} <= set(pulled), pulled


@pytest.mark.parametrize("compose_file", COMPOSE_FILES, ids=lambda p: p.name)
def test_every_pin_of_the_compose_stack_is_found(compose_file: Path) -> None:
    assert any(selects(m, relative(compose_file)) for m in regex_managers(CONFIG))
    text = compose_file.read_text(encoding="utf-8")
    assert unmatched_pins(CONFIG, relative(compose_file), text) == []


def test_what_the_bot_finds_in_the_production_template() -> None:
    template = REPO / "dockerfiles" / "Dockerfile.fastapi"
    deps = set(extracted(CONFIG, relative(template), template.read_text(encoding="utf-8")))
    assert deps == {
        Dep("python", "3.15", None, "docker"),
        Dep("ghcr.io/astral-sh/uv", "0.13.9", None, "docker"),
    }


def test_only_the_proven_manager_runs() -> None:
    # No built-in manager may propose the same bump (or the actions Dependabot keeps).
    assert CONFIG["enabledManagers"] == ["custom.regex"]


# ------------------------------------------------- the test can fail (proof)

FASTAPI = REPO / "dockerfiles" / "Dockerfile.fastapi"
DIGEST = "sha256:" + "ab" * 32


@pytest.mark.parametrize(
    ("old", "new", "pin"),
    [
        # A quoted ARG default: the image regex does not read it.
        ("ARG UV_IMAGE=ghcr.io/astral-sh/uv:0.13.9", 'ARG UV_IMAGE="ghcr.io/astral-sh/uv:0.13.9"',
         "ghcr.io/astral-sh/uv:0.13.9"),
        # An image under an ARG name that is no *_IMAGE/*_BASE.
        ("ARG UV_IMAGE=ghcr.io/astral-sh/uv:0.13.9\n\nFROM ${UV_IMAGE} AS uv",
         "ARG UV=ghcr.io/astral-sh/uv:0.13.9\n\nFROM ${UV} AS uv", "ghcr.io/astral-sh/uv:0.13.9"),
        # A digest-only pin: no tag for the bot to compare.
        ("ARG UV_IMAGE=ghcr.io/astral-sh/uv:0.13.9", f"ARG UV_IMAGE=ghcr.io/astral-sh/uv@{DIGEST}",
         f"ghcr.io/astral-sh/uv@{DIGEST}"),
        # A digest on the composed Python base, which the version line cannot carry.
        ("ARG PYTHON_BASE=python:${PYTHON_VERSION}-slim",
         f"ARG PYTHON_BASE=python:${{PYTHON_VERSION}}-slim@{DIGEST}", "python:3.15-slim@"),
    ],
)  # fmt: skip
def test_a_pin_the_bot_cannot_see_fails(old: str, new: str, pin: str) -> None:
    text = FASTAPI.read_text(encoding="utf-8")
    assert old in text
    missing = unmatched_pins(CONFIG, relative(FASTAPI), text.replace(old, new, 1))
    assert len(missing) == 1 and pin in missing[0], missing


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("COPY --from=builder /app/.venv /app/.venv",
         "COPY --from=docker.io/library/busybox:1.37 /x /x\n"
         "COPY --from=builder /app/.venv /app/.venv"),
        ("FROM ${PYTHON_BASE} AS runtime", "FROM python:3.15-slim AS runtime"),
        ("ARG UV_IMAGE=ghcr.io/astral-sh/uv:0.13.9",
         f"ARG UV_IMAGE=ghcr.io/astral-sh/uv:0.13.9@{DIGEST}"),
    ],
)  # fmt: skip
def test_literal_pins_and_digests_are_found(old: str, new: str) -> None:
    text = FASTAPI.read_text(encoding="utf-8")
    assert old in text
    assert unmatched_pins(CONFIG, relative(FASTAPI), text.replace(old, new, 1)) == []


def test_a_manager_that_selects_no_template_finds_nothing() -> None:
    config = json.loads(json.dumps(CONFIG))
    for manager in regex_managers(config):
        manager["managerFilePatterns"] = ["/(^|/)Containerfile$/"]
    missing = unmatched_pins(config, relative(FASTAPI), FASTAPI.read_text(encoding="utf-8"))
    assert len(missing) == 2 and "(it finds nothing)" in missing[0]


COMPOSE = REPO / "dockerfiles" / "docker-compose.yml"


def test_without_a_compose_manager_the_stack_pins_are_missing() -> None:
    config = json.loads(json.dumps(CONFIG))
    config["customManagers"] = [
        m for m in regex_managers(config) if not selects(m, relative(COMPOSE))
    ]
    missing = unmatched_pins(config, relative(COMPOSE), COMPOSE.read_text(encoding="utf-8"))
    assert len(missing) == 2 and "postgres:16" in missing[0] and "redis:7" in missing[1], missing


@pytest.mark.parametrize(
    ("old", "new", "found"),
    [
        # A literal image, quoted, with a digest.
        ("${REDIS_IMAGE:-redis:7}", f'"redis:7@{DIGEST}"', True),
        # The default without the colon (`${NAME-default}`) is still the default.
        ("${REDIS_IMAGE:-redis:7}", "${REDIS_IMAGE-redis:7}", True),
        # An untagged default (whatever `latest` is that day): no pin, and reported.
        ("${REDIS_IMAGE:-redis:7}", "${REDIS_IMAGE:-redis}", False),
    ],
)
def test_compose_pins_in_other_spellings(old: str, new: str, found: bool) -> None:
    text = COMPOSE.read_text(encoding="utf-8")
    assert old in text
    missing = unmatched_pins(CONFIG, relative(COMPOSE), text.replace(old, new, 1))
    assert (missing == []) is found, missing
