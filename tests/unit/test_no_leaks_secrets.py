"""no-leaks: the canary goes into every secret the Dockerfile mounts, and a build that
cannot take it in one of them is still probed through the others."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from shipshape.errors import PropertyFailed
from shipshape.properties import no_leaks
from shipshape.subject import ProbeBuild


@dataclass
class FakeSubject:
    """A subject whose probe builds fail when a secret in `refused` holds the canary,
    and whose image holds the content of the secrets in `leaked`."""

    context: Path
    mounted: list[str]
    refused: set[str] = field(default_factory=set)
    leaked: set[str] = field(default_factory=set)
    probes: list[dict[str, str]] = field(default_factory=list)  # each probe's secrets
    # A RUN step that reads the build args, recorded in the image's history.
    args_in_history: bool = False

    def image_attrs(self) -> dict:
        return {"Config": {"Env": ["PATH=/usr/bin"]}}

    def secret_ids(self) -> list[str]:
        return self.mounted

    def python_tag(self) -> str:
        return "cpython-313"

    @contextmanager
    def context_copy(self) -> Iterator[Path]:
        yield self.context

    @contextmanager
    def probe_image(
        self,
        context: Path,
        *,
        secrets: Mapping[str, Path],
        build_args: Mapping[str, str],
        rerun_secret_steps: bool,
    ) -> Iterator[tuple[ProbeBuild, str]]:
        assert rerun_secret_steps  # else a cached step hides what it wrote
        given = {secret_id: path.read_text() for secret_id, path in secrets.items()}
        self.probes.append(given)
        self.image = "".join(text for secret_id, text in given.items() if secret_id in self.leaked)
        args = " ".join(f"{name}={value}" for name, value in build_args.items())
        source = "SOURCE_URL=https://github.com/shipshape/shipshape"
        self.history = [
            f"RUN |7 APP_VERSION=1.0.0 VCS_REF={'0' * 40} {source} {args} /bin/sh -c make"
        ]
        yield ProbeBuild(not (self.refused & set(given)), 1.0, "#5 ERROR: bad key file"), "probe"

    def find_canary_in_image(self, ref: str, canary: bytes) -> list[str]:
        return ["layer 3: root/.secret"] if canary.decode() in self.image else []

    def image_history(self, ref: str) -> list[dict]:
        return [{"CreatedBy": step} for step in self.history] if self.args_in_history else []


def test_every_mounted_secret_gets_the_canary_the_templates_own_as_a_netrc(
    tmp_path: Path,
) -> None:
    subject = FakeSubject(tmp_path, ["netrc", "pip_conf"])
    value = no_leaks.check(subject, no_leaks.Params())  # type: ignore[arg-type]
    (given,) = subject.probes
    assert given["netrc"].startswith("machine canary.invalid login canary password ")
    # Another secret's format is unknown: a comment line holding the canary.
    assert given["pip_conf"].startswith("# shipshape-canary-")
    assert value == "canary in none of 8 places"  # 5 planted, 2 secrets, 1 build arg


def test_a_leak_through_another_secret_fails(tmp_path: Path) -> None:
    subject = FakeSubject(tmp_path, ["pip_conf"], leaked={"pip_conf"})
    with pytest.raises(PropertyFailed, match="reached the image in 1 place"):
        no_leaks.check(subject, no_leaks.Params())  # type: ignore[arg-type]


def test_a_build_that_refuses_the_canary_in_another_secret_is_probed_without_it(
    tmp_path: Path,
) -> None:
    subject = FakeSubject(tmp_path, ["netrc", "sa.json"], refused={"sa.json"})
    value = no_leaks.check(subject, no_leaks.Params())  # type: ignore[arg-type]
    assert [sorted(p) for p in subject.probes] == [["netrc", "sa.json"], ["netrc"]]
    assert value.endswith("; secret sa.json not probed: the build fails with a canary in it")


def test_a_probe_that_fails_with_the_templates_own_secret_alone_fails(tmp_path: Path) -> None:
    subject = FakeSubject(tmp_path, ["netrc"], refused={"netrc"})
    with pytest.raises(PropertyFailed, match=r"the probe build failed\n.*bad key file"):
        no_leaks.check(subject, no_leaks.Params())  # type: ignore[arg-type]
    assert len(subject.probes) == 1  # nothing else to leave out


def test_a_build_arg_in_the_history_is_shown_where_the_canary_is(tmp_path: Path) -> None:
    # The step's line starts with every build arg: the canary's is past the first 120 characters.
    subject = FakeSubject(tmp_path, ["netrc"], args_in_history=True)
    with pytest.raises(
        PropertyFailed, match=r"docker history: ….* UV_INDEX_TOKEN=shipshape-canary-"
    ):
        no_leaks.check(subject, no_leaks.Params())  # type: ignore[arg-type]
