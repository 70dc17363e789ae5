"""no-leaks: no build secret, build-context clutter or secret-like ENV in the image.

A probe build runs on a copy of the app into which a canary token is
planted everywhere a leak comes from: `.env`, `.git/`, `tests/`, a host
`.venv/`, `__pycache__/`, every BuildKit secret the Dockerfile mounts, and
CI-style build args. Each stage runs again from its first step that mounts a
secret: BuildKit's cache does not know a secret's content. Every layer (file
by file), the config and `docker history` are then searched for the canary;
the layers the probe shares with its runtime base are the same bytes as
before the canary was made, and are passed over. ENV names and values are
checked for secret look-alikes.

`unignored` plants it too in context files that the .dockerignore lets
through (a `secret.pem`, a `.netrc` at the context root): a template that
copies only what it built (the venv) keeps them out all the same, one that
copies the whole context does not.
"""

import re
import secrets
import tempfile
from dataclasses import dataclass
from pathlib import Path

from shipshape.errors import PropertyFailed
from shipshape.properties.base import Property
from shipshape.subject import Subject
from shipshape.text import tail

SECRET_VALUE = re.compile(
    r"(ghp_|github_pat_|glpat-|xox[bp]-|sk_live_|AKIA[0-9A-Z]{16}|-----BEGIN [A-Z ]*PRIVATE KEY)"
)


@dataclass(frozen=True)
class Params:
    # The BuildKit secret id the template mounts (e.g. a private index's netrc).
    secret_id: str = "netrc"
    # Build args a CI might carry secrets in; the canary is passed in each.
    canary_build_args: tuple[str, ...] = ("UV_INDEX_TOKEN",)
    # Context paths that must never reach the image.
    planted: tuple[str, ...] = (
        ".env",
        ".git/config",
        "tests/test_canary.py",
        ".venv/pyvenv.cfg",
        # {tag}: the image's own CPython tag (cpython-313...), so the file
        # looks like bytecode its interpreter would load.
        "app/__pycache__/canary.{tag}.pyc",
    )
    # Context files the .dockerignore does NOT exclude, which must not reach
    # the image either (empty: the template is not promised to keep them out).
    unignored: tuple[str, ...] = ()
    secret_env_name: str = r"(?i)(TOKEN|SECRET|PASSW(OR)?D|API_?KEY|PRIVATE_?KEY|CREDENTIAL)"


def secret_like_env(env: list[str], name_pattern: str) -> list[str]:
    found = []
    for item in env:
        name, _, value = item.partition("=")
        if value and (re.search(name_pattern, name) or SECRET_VALUE.search(value)):
            found.append(name)
    return found


@dataclass(frozen=True)
class _Probe:
    built: bool
    log: str
    found: list[str]  # the places the canary reached


def _secret_files(folder: Path, params: Params, others: list[str], canary: str) -> dict[str, Path]:
    """The canary as each secret the build mounts: a netrc for the template's own.

    Another secret's format is unknown; a comment line is read without
    complaint by INI (pip.conf), TOML, YAML, .npmrc and env files alike.
    """
    promised = folder / "promised-secret"
    promised.write_text(f"machine canary.invalid login canary password {canary}\n")
    other = folder / "other-secret"
    other.write_text(f"# {canary}\n")
    return {params.secret_id: promised, **{secret_id: other for secret_id in others}}


def _probe(subject: Subject, params: Params, canary: str, other_secrets: list[str]) -> _Probe:
    with subject.context_copy() as app, tempfile.TemporaryDirectory() as tmp:
        for planted in (*params.planted, *params.unignored):
            relative = planted.format(tag=subject.python_tag())
            (app / relative).parent.mkdir(parents=True, exist_ok=True)
            (app / relative).write_text(f"CANARY={canary}\n")
        with subject.probe_image(
            app,
            secrets=_secret_files(Path(tmp), params, other_secrets, canary),
            build_args={arg: canary for arg in params.canary_build_args},
            # A step that wrote the secret into its layer would otherwise be
            # found cached from the target's build, made without this secret.
            rerun_secret_steps=True,
        ) as (probe, tag):
            if not probe.ok:
                return _Probe(False, probe.log, [])
            in_layers = subject.find_canary_in_image(tag, canary.encode())
            steps = [h.get("CreatedBy") or "" for h in subject.image_history(tag)]
            in_history = [
                f"docker history: {_around(step, canary)}" for step in steps if canary in step
            ]
            return _Probe(True, probe.log, in_layers + in_history)


def _around(text: str, canary: str, margin: int = 60) -> str:
    """The part of `text` where `canary` is, with `margin` characters either side:
    a build step's history line starts with its every build arg."""
    at = text.index(canary)
    start, end = max(0, at - margin), at + len(canary) + margin
    return ("…" if start else "") + text[start:end] + ("…" if end < len(text) else "")


def check(subject: Subject, params: Params) -> str:
    env = subject.image_attrs()["Config"].get("Env") or []
    suspicious = secret_like_env(env, params.secret_env_name)
    if suspicious:
        raise PropertyFailed(
            f"no-leaks: ENV {', '.join(suspicious)} looks like a secret; pass secrets at run "
            "time or as BuildKit secrets, never in ENV"
        )
    canary = "shipshape-canary-" + secrets.token_hex(12)
    others = [secret_id for secret_id in subject.secret_ids() if secret_id != params.secret_id]
    probe = _probe(subject, params, canary, others)
    unprobed: list[str] = []
    if not probe.built and others:
        # The build may use another secret (a token, a key file) and fail on
        # the canary; the target was built with no secret, so it builds without.
        probe, unprobed = _probe(subject, params, canary, []), others
    if not probe.built:
        raise PropertyFailed(f"no-leaks: the probe build failed\n{tail(probe.log)}")
    if probe.found:
        shown = "\n  ".join(probe.found[:10])
        raise PropertyFailed(
            f"no-leaks: the canary planted in the build context, secrets and build args "
            f"reached the image in {len(probe.found)} place(s):\n  {shown}"
        )
    places = len(params.planted) + len(params.unignored) + 1 + len(others) - len(unprobed)
    places += len(params.canary_build_args)
    value = f"canary in none of {places} places"
    if unprobed:
        value += f"; secret {', '.join(unprobed)} not probed: the build fails with a canary in it"
    return value


PROPERTY = Property(
    "no-leaks", "no secret or context clutter in any layer or history", Params, check, cost=3
)
