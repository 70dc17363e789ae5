"""cache: a dependency step that re-ran once is confirmed by a second change before failing."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from types import SimpleNamespace

import pytest

from shipshape.errors import PropertyFailed
from shipshape.properties import cache
from shipshape.subject import ProbeBuild

INSTALL = "RUN uv sync --no-install-project"


def log(install_cached: bool) -> str:
    install = f"#9 [builder 3/6] {INSTALL}\n" + (
        "#9 CACHED\n" if install_cached else "#9 DONE 9.0s\n"
    )
    return install + "#10 [builder 4/6] COPY . /app\n#10 DONE 0.1s\n"


@dataclass
class FakeSubject:
    """A subject whose probe builds answer with the given logs, in order."""

    context: Path
    logs: list[str]
    built: list[str] = field(default_factory=list)

    def image(self) -> None:
        return None

    def inference(self) -> SimpleNamespace:
        return SimpleNamespace(
            install_step=SimpleNamespace(value=INSTALL, source="test"),
            source_file=SimpleNamespace(value=Path("app/main.py")),
        )

    def install_step(self, explicit: str | None = None) -> str:
        return explicit or INSTALL

    def install_stage(self, install_step: str) -> str:
        return "builder"

    @contextmanager
    def context_copy(self) -> Iterator[Path]:
        yield self.context

    def probe_build(self, context: Path, *, stage: str | None = None) -> ProbeBuild:
        assert stage == "builder"  # the install stage alone, as the subject names it
        self.built.append((context / "app" / "main.py").read_text())
        return ProbeBuild(True, 1.0, self.logs.pop(0))


@pytest.fixture
def context(tmp_path: Path) -> Path:
    (tmp_path / "app").mkdir()
    (tmp_path / "app" / "main.py").write_text("app = 1\n")
    return tmp_path


def test_a_step_that_reruns_once_is_confirmed_cached(context: Path) -> None:
    """A builder that did not hold the step (pruned, another builder) holds it after one rebuild."""
    subject = FakeSubject(context, [log(False), log(True)])
    measured = cache.check(subject, cache.Params())  # type: ignore[arg-type]
    assert "deps CACHED" in measured.text
    # a change, then a second, different one; no baseline build of the unchanged context
    assert len(subject.built) == 2 and len(set(subject.built)) == 2
    assert "app = 1\n" not in subject.built


def test_a_step_that_reruns_twice_fails_naming_it(context: Path) -> None:
    subject = FakeSubject(context, [log(False), log(False)])
    with pytest.raises(PropertyFailed, match="the dependency step re-ran, twice in a row"):
        cache.check(subject, cache.Params())  # type: ignore[arg-type]


def test_a_cached_step_needs_no_confirmation(context: Path) -> None:
    subject = FakeSubject(context, [log(True)])
    cache.check(subject, cache.Params())  # type: ignore[arg-type]
    assert len(subject.built) == 1
