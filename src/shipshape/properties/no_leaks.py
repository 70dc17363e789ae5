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


def _secret_ids(subject: Subject, params: Params) -> list[str]:
    """The template's promised secret and every other one its Dockerfile mounts."""
    return list(dict.fromkeys([params.secret_id, *subject.secret_ids()]))


def _probe(subject: Subject, params: Params, canary: str) -> list[str]:
    with subject.context_copy() as app, tempfile.TemporaryDirectory() as tmp:
        for planted in (*params.planted, *params.unignored):
            relative = planted.format(tag=subject.python_tag())
            (app / relative).parent.mkdir(parents=True, exist_ok=True)
            (app / relative).write_text(f"CANARY={canary}\n")
        secret_file = Path(tmp) / "secret"
        secret_file.write_text(f"machine canary.invalid login canary password {canary}\n")
        with subject.probe_image(
            app,
            secrets={secret_id: secret_file for secret_id in _secret_ids(subject, params)},
            build_args={arg: canary for arg in params.canary_build_args},
            # A step that wrote the secret into its layer would otherwise be
            # found cached from the target's build, made without this secret.
            rerun_secret_steps=True,
        ) as (probe, tag):
            if not probe.ok:
                raise PropertyFailed(f"no-leaks: the probe build failed\n{tail(probe.log)}")
            found = subject.find_canary_in_image(tag, canary.encode())
            return found + [
                f"docker history: {(h.get('CreatedBy') or '')[:120]}"
                for h in subject.image_history(tag)
                if canary in (h.get("CreatedBy") or "")
            ]


def check(subject: Subject, params: Params) -> str:
    env = subject.image_attrs()["Config"].get("Env") or []
    suspicious = secret_like_env(env, params.secret_env_name)
    if suspicious:
        raise PropertyFailed(
            f"no-leaks: ENV {', '.join(suspicious)} looks like a secret; pass secrets at run "
            "time or as BuildKit secrets, never in ENV"
        )
    canary = "shipshape-canary-" + secrets.token_hex(12)
    found = _probe(subject, params, canary)
    if found:
        shown = "\n  ".join(found[:10])
        raise PropertyFailed(
            f"no-leaks: the canary planted in the build context, secret and build args "
            f"reached the image in {len(found)} place(s):\n  {shown}"
        )
    secrets_given = len(_secret_ids(subject, params))
    places = len(params.planted) + len(params.unignored) + secrets_given
    places += len(params.canary_build_args)
    return f"canary in none of {places} places"


PROPERTY = Property(
    "no-leaks", "no secret or context clutter in any layer or history", Params, check, cost=3
)
