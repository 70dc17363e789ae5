"""The keys under which shipshape's own engine tests are reused (tests/support/reuse.py)."""

from __future__ import annotations

import docker

from tests.acceptance import test_harness_runs
from tests.mutants.test_mutants import MUTANTS, mutant_param, templates_read_by
from tests.support.reuse import Inputs, base_image_ids, outcome_key, repository_files, selected

FILES = {
    "src/shipshape/build.py": "a",
    "dockerfiles/Dockerfile.fastapi": "b",
    "dockerfiles/Dockerfile.gunicorn": "c",
    "tests/mutants/mutants.yaml": "d",
}
AROUND = {"engine": ["id", "26.1.5", "overlay2"]}


def test_a_changed_input_changes_the_key_a_dropped_one_does_not() -> None:
    inputs = Inputs(drop=("dockerfiles/Dockerfile.gunicorn",))
    key = outcome_key("t", inputs, FILES, AROUND)
    assert (
        outcome_key("t", inputs, {**FILES, "dockerfiles/Dockerfile.gunicorn": "x"}, AROUND) == key
    )
    assert outcome_key("t", inputs, {**FILES, "dockerfiles/Dockerfile.fastapi": "x"}, AROUND) != key
    assert outcome_key("t", inputs, {**FILES, "new.py": "x"}, AROUND) != key
    assert outcome_key("t", inputs, FILES, {"engine": ["other", "26.1.5", "overlay2"]}) != key
    assert outcome_key("u", inputs, FILES, AROUND) != key
    assert outcome_key("t", Inputs(inputs.drop, {"mutant": "y"}), FILES, AROUND) != key


def test_the_readme_is_no_input_a_sample_apps_readme_is() -> None:
    files = {**FILES, "README.md": "r", "sample_apps/minimal/README.md": "s"}
    key = outcome_key("t", Inputs(), files, AROUND)
    assert outcome_key("t", Inputs(), {**files, "README.md": "edited"}, AROUND) == key
    edited_app = {**files, "sample_apps/minimal/README.md": "edited"}
    assert outcome_key("t", Inputs(), edited_app, AROUND) != key


def test_drop_patterns_match_whole_folders() -> None:
    files = {"tests/corpus/a/Dockerfile": "1", "tests/corpus/b/app/main.py": "2"}
    assert selected(files, ["tests/corpus/b/*"]) == {"tests/corpus/a/Dockerfile": "1"}


def test_the_repository_is_read_by_content() -> None:
    files = repository_files()
    assert "src/shipshape/verdicts.py" in files and "conftest.py" in files
    assert not any(path.startswith((".venv/", ".shipshape/")) for path in files)


def test_a_mutant_reads_its_own_template_and_its_stacks() -> None:
    stack = next(name for name, spec in MUTANTS.items() if spec["variant"] == "stack")
    assert {"Dockerfile.fastapi", "Dockerfile.dev"} <= templates_read_by(MUTANTS[stack])
    gunicorn = next(name for name, spec in MUTANTS.items() if spec["variant"] == "gunicorn")
    assert templates_read_by(MUTANTS[gunicorn]) == {"Dockerfile.gunicorn"}
    (mark,) = mutant_param(gunicorn).marks
    dropped = mark.args[0].drop
    assert "dockerfiles/Dockerfile.fastapi" in dropped
    assert "dockerfiles/Dockerfile.gunicorn" not in dropped


def test_an_acceptance_run_keeps_its_own_template_and_drops_the_others() -> None:
    files = repository_files()
    kept = selected(files, test_harness_runs.pytestmark.args[0].drop)
    assert "dockerfiles/Dockerfile.fastapi" in kept and "shipshape.yaml" in kept
    assert "src/shipshape/plugin.py" in kept and "tests/support/harness.py" in kept
    assert "dockerfiles/Dockerfile.requirements" in files
    assert "dockerfiles/Dockerfile.requirements" not in kept
    assert not any(path.startswith(("tests/mutants/", "tests/corpus/")) for path in kept)


class FakeImages:
    def get(self, name: str):
        if name == "local/missing:1":
            raise docker.errors.ImageNotFound(name)
        return type("Image", (), {"id": f"sha256:{name}"})()


def test_base_images_are_known_by_id_and_unavailable_ones_by_their_reason(tmp_path) -> None:
    bases = tmp_path / "bases.txt"
    bases.write_text(
        "# comment\npython:3.15-slim=local/python:3.15-slim\n"
        "uv:1=local/missing:1\nalpine:3=!no Alpine image on this machine\n"
    )
    client = type("Client", (), {"images": FakeImages()})()
    assert base_image_ids(client, bases) == {
        "local/python:3.15-slim": "sha256:local/python:3.15-slim",
        "local/missing:1": "",
        "!no Alpine image on this machine": "",
    }
