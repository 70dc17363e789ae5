"""The pure judgements behind pid1, sigterm and no-root-writes."""

import pytest

from shipshape.properties.no_root_writes import runs_from
from shipshape.properties.pid1 import judge, program_names
from shipshape.properties.sigterm import stop_signal_note


@pytest.mark.parametrize(
    ("argv", "process", "problem"),
    [
        (["/app/.venv/bin/python", "-m", "uvicorn", "app.main:app"], ("uvicorn",), None),
        (["uvicorn", "app.main:app"], (), None),
        (["/bin/sh", "-c", "uvicorn app.main:app"], (), "PID 1 is a shell"),
        (["uv", "run", "uvicorn", "app.main:app"], (), "starts the server as its child"),
        (["gunicorn", "app.main:app"], ("uvicorn",), "expected one of ['uvicorn']"),
    ],
)
def test_pid1_judges_the_live_command_line(
    argv: list[str], process: tuple[str, ...], problem: str | None
) -> None:
    found = judge(argv, process)
    assert (found is None) if problem is None else (problem in (found or ""))


def test_a_python_server_is_known_by_its_module_or_script() -> None:
    assert program_names(["python3.15", "-m", "uvicorn"]) == ["python3.15", "uvicorn"]
    assert program_names(["python", "/app/serve.py"]) == ["python", "serve.py"]


@pytest.mark.parametrize(
    ("signal", "named"), [(None, False), ("SIGTERM", False), ("15", False), ("SIGINT", True)]
)
def test_a_stopsignal_other_than_sigterm_is_named(signal: str | None, named: bool) -> None:
    note = stop_signal_note(signal)
    assert bool(note) is named
    if named:
        assert "Kubernetes and ECS send SIGTERM" in note


@pytest.mark.parametrize(
    ("path", "kind", "fails"),
    [
        ("/app/.venv/.lock", "file", False),  # uv's lock: a note, not a failure
        ("/app/data/cache.db", "file", False),
        ("/app/app/main.py", "file", True),
        ("/app/.venv/lib/python3.15/site-packages/x.so", "file", True),
        ("/app/.venv/bin/uvicorn", "file", True),
        ("/app/.venv/pyvenv.cfg", "file", True),
        ("/app/settings.toml", "file", True),
        ("/app/app", "dir", True),  # a new module could be dropped in
    ],
)
def test_no_root_writes_fails_on_what_the_app_runs_from(path: str, kind: str, fails: bool) -> None:
    assert runs_from(path, kind) is fails
