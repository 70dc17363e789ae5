"""What the compose-* properties share: the stack's files, project and variables."""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from pathlib import Path

from shipshape.compose import ComposeParams, project_name
from shipshape.subject import Subject


def stack_env(subject: Subject, params: ComposeParams) -> dict[str, str]:
    bases = subject.build_options.bases
    return {
        "APP_IMAGE": subject.image().tag,
        **{var: bases.resolve(ref, subject.target.platform) for var, ref in params.images.items()},
        # A fresh password per stack: nothing guessable is ever committed.
        "POSTGRES_PASSWORD": secrets.token_urlsafe(18),
        # A random loopback port: parallel stacks never collide.
        "APP_PORT": "127.0.0.1:",
    }


def open_stack(
    subject: Subject,
    params: ComposeParams,
    extra_files: tuple[Path, ...] = (),
    extra_env: Mapping[str, str] | None = None,
) -> tuple[tuple[Path, ...], str, dict[str, str], dict[str, str]]:
    """The arguments of `running_stack` for this subject."""
    return (
        (params.compose_file, *extra_files),
        project_name(subject.identity.run_id, subject.target.variant.name),
        {**stack_env(subject, params), **(extra_env or {})},
        subject.labels(),
    )
