"""Zero-config inference: each value and the place it came from."""

from pathlib import Path

import pytest

from shipshape.dockerfile import parse
from shipshape.infer import (
    command_of,
    infer,
    infer_port,
    infer_python,
    server_argv,
    server_name,
)
from shipshape.users import resolve_user


@pytest.mark.parametrize(
    ("argv", "server"),
    [
        (["uvicorn", "app.main:app"], "uvicorn"),
        (["python", "-m", "uvicorn", "app.main:app"], "uvicorn"),
        (["/usr/bin/tini", "--", "uvicorn", "app.main:app"], "uvicorn"),
        (["dumb-init", "--", "gunicorn", "-c", "g.py"], "gunicorn"),
        (["sh", "-c", "exec uvicorn app.main:app --port $PORT"], "uvicorn"),
        (["uv", "run", "uvicorn", "app.main:app"], "uvicorn"),
        (["/bin/sh", "-c", "uvicorn app.main:app --host 0.0.0.0"], "uvicorn"),
        (["fastapi", "run", "app/main.py"], "fastapi"),
    ],
)
def test_the_server_behind_inits_shells_and_runners(argv: list[str], server: str) -> None:
    assert server_name(argv) == server


def _port(dockerfile: str, context: Path) -> tuple[object, str]:
    model = parse(dockerfile)
    argv, where = command_of(model, None)
    found = infer_port(model, None, context, argv, where)
    return found.value, found.source


def test_port_from_the_servers_flag(tmp_path: Path) -> None:
    port, source = _port(
        'FROM x\nEXPOSE 9000\nCMD ["uvicorn", "a:b", "--port", "8080"]\n', tmp_path
    )
    assert port == 8080 and "--port 8080" in source


def test_port_from_env_port_through_a_shell(tmp_path: Path) -> None:
    text = 'FROM x\nENV PORT=8081\nCMD ["sh", "-c", "exec uvicorn a:b --port ${PORT}"]\n'
    port, source = _port(text, tmp_path)
    assert port == 8081 and "ENV PORT" in source


def test_port_from_gunicorns_bind_and_config_file(tmp_path: Path) -> None:
    assert _port('FROM x\nCMD ["gunicorn", "-b", "0.0.0.0:5000", "a:b"]\n', tmp_path)[0] == 5000
    (tmp_path / "gunicorn.conf.py").write_text('bind = "0.0.0.0:7000"\n')
    port, source = _port('FROM x\nCMD ["gunicorn", "-c", "gunicorn.conf.py", "a:b"]\n', tmp_path)
    assert port == 7000 and "gunicorn.conf.py" in source


def test_port_falls_back_to_expose_then_the_servers_default(tmp_path: Path) -> None:
    assert _port('FROM x\nEXPOSE 9000/tcp\nCMD ["myserver"]\n', tmp_path)[0] == 9000
    port, source = _port('FROM x\nCMD ["hypercorn", "a:b"]\n', tmp_path)
    assert port == 8000 and "default" in source


def test_a_whole_inference(tmp_path: Path) -> None:
    (tmp_path / "app").mkdir()
    (tmp_path / "app" / "main.py").write_text("app = None\n")
    (tmp_path / "poetry.lock").write_text("")
    (tmp_path / "Dockerfile").write_text(
        "FROM python:3.13-slim AS base\n"
        "RUN pip install poetry\n"
        "COPY pyproject.toml poetry.lock ./\n"
        "RUN poetry install --no-root && echo done\n"
        "COPY . .\n"
        "USER app\n"
        "HEALTHCHECK CMD curl -f http://localhost:8000/healthz || exit 1\n"
        'CMD ["python", "-m", "uvicorn", "app.main:app", "--host", "0.0.0.0"]\n'
    )
    found = infer(tmp_path / "Dockerfile", tmp_path)
    assert found.python.value == "3.13"
    assert found.server.value == "uvicorn"
    assert found.health_path.value == "/healthz"
    assert found.lockfile.value == "poetry.lock"
    assert found.install_step.value == "poetry install --no-root"
    assert found.source_file.value == "app/main.py"
    assert found.user.value == "app"


def test_a_heredoc_is_not_a_command_or_a_stage(tmp_path: Path) -> None:
    text = "FROM python:3.15-slim\nRUN python3 - <<'PY'\nfrom pathlib import Path\nPY\n"
    assert [s.base for s in parse(text).stages] == ["python:3.15-slim"]
    assert server_argv([]) == []


PASSWD = "root:x:0:0::/root:/bin/sh\napp:x:1000:1001::/app:/sbin/nologin\n"
GROUP = "root:x:0:\nstaff:x:50:\napp:x:1001:\n"


def _files(path: str) -> str | None:
    return {"/etc/passwd": PASSWD, "/etc/group": GROUP}.get(path)


@pytest.mark.parametrize(
    ("spec", "uid", "gid"),
    [("", 0, 0), ("app", 1000, 1001), ("app:staff", 1000, 50), ("1000", 1000, 1001),
     ("4242", 4242, 0), ("10001:10001", 10001, 10001), ("ghost", None, None)],
)  # fmt: skip
def test_a_user_resolved_the_way_the_engine_does(spec: str, uid: int, gid: int) -> None:
    user = resolve_user(spec, _files)
    assert (user.uid, user.gid) == (uid, gid)


SCRATCH_RUNTIME = (
    "ARG PYTHON_VERSION=3.13\n"
    "FROM python:${PYTHON_VERSION}-slim AS interpreter\n"
    "FROM interpreter AS collect\n"
    "RUN mkdir /rootfs\n"
    "FROM ghcr.io/astral-sh/uv:0.13.9 AS uv\n"
    "FROM scratch\n"
    "COPY --from=uv /uv /uv\n"
    "COPY --from=collect /rootfs /\n"
)


@pytest.mark.parametrize(
    ("text", "version", "because"),
    [
        # The interpreter's stage, behind a parent stage and an ARG.
        (SCRATCH_RUNTIME, "3.13", "copying from stage collect (python:3.13-slim)"),
        # Two interpreters copied in: neither is the runtime's for sure.
        (
            SCRATCH_RUNTIME + "FROM python:3.12-slim AS other\nFROM scratch\n"
            "COPY --from=collect /rootfs /\nCOPY --from=other /usr/local /usr/local\n",
            "3.15",
            "does not say: assumed",
        ),
        # Nothing copied from a Python stage.
        ("FROM scratch\nCOPY app /app\n", "3.15", "does not say: assumed"),
        # A base that names its Python wins over what is copied in.
        (SCRATCH_RUNTIME.replace("FROM scratch", "FROM python:3.14-slim"), "3.14", "base image"),
    ],
)
def test_the_python_of_a_scratch_runtime(text: str, version: str, because: str) -> None:
    found = infer_python(parse(text), None)
    assert (found.value, because in found.source) == (version, True), found
