"""The Dockerfile model: what BuildKit reads in a Dockerfile, and the images a build pulls."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import docker.errors
import pytest

from shipshape.bases import parse_bases
from shipshape.build import BuildOptions, buildx_command, plan_build
from shipshape.dockerfile import SECRET_STEP_NONCE, parse, rerunning_secret_steps, secret_ids
from shipshape.errors import ConfigError
from shipshape.manifest import Selection, expand_targets, load_manifest
from shipshape.properties import PARAMS

REPO = Path(__file__).resolve().parents[2]
UV = "ghcr.io/astral-sh/uv:0.13.9"


# ------------------------------------------------------------- heredocs ---

HEREDOC_PYTHON = """\
FROM python:3.13-slim AS runtime
RUN python3 - <<'PY'
from pathlib import Path
FROM pathlib import Path
Path("/x").write_text("y")
PY
USER 10001
"""


def test_a_heredoc_body_is_not_instructions() -> None:
    df = parse(HEREDOC_PYTHON)
    assert [(s.name, s.base) for s in df.stages] == [("runtime", "python:3.13-slim")]
    run, user = df.stage().instructions
    assert (run.keyword, run.arguments, run.line) == ("RUN", "python3 - <<'PY'", 2)
    assert run.heredocs == (
        'from pathlib import Path\nFROM pathlib import Path\nPath("/x").write_text("y")\n',
    )
    assert (user.keyword, user.arguments, user.line) == ("USER", "10001", 7)


def test_heredoc_forms() -> None:
    text = (
        "FROM alpine\n"
        "RUN <<EOF\n"
        "echo plain\n"
        "EOF\n"
        "RUN <<-EOF\n"
        "\techo chomped\n"
        "\tEOF\n"
        'RUN cat <<"A" << B >/out\n'
        "first\n"
        "A\n"
        "second\n"
        "B\n"
        "COPY <<'PY' /app/conf.py\n"
        "FROM = 1\n"
        "PY\n"
        'RUN ["sh", "-c", "cat <<EOF"]\n'
        "EXPOSE 8000\n"
    )
    plain, chomped, two, copy, json_form, expose = parse(text).stage().instructions
    assert plain.heredocs == ("echo plain\n",)
    assert chomped.heredocs == ("echo chomped\n",)  # <<- strips leading tabs
    assert two.heredocs == ("first\n", "second\n")
    assert copy.heredocs == ("FROM = 1\n",)
    assert copy.arguments == "<<'PY' /app/conf.py"
    assert json_form.heredocs == () and json_form.exec_form() == ["sh", "-c", "cat <<EOF"]
    assert (expose.keyword, expose.line) == ("EXPOSE", 17)


def test_not_a_heredoc() -> None:
    text = "FROM alpine\nRUN echo '<<EOF' && cat <<<word && echo a<<b\nUSER 1\n"
    run, user = parse(text).stage().instructions
    assert run.heredocs == () and user.line == 3


# -------------------------------------------------- lines and directives ---


def test_continuations_skip_comment_and_blank_lines() -> None:
    text = (
        "FROM alpine\n"
        "\n"
        "RUN apk add \\\n"
        "# a comment inside the instruction\n"
        "\n"
        "    curl \\\n"
        "      # indented comment\n"
        "    jq\n"
        "   # top-level comment\n"
        "USER 1\n"
    )
    run, user = parse(text).stage().instructions
    assert run.arguments == "apk add     curl     jq"  # joined as written, as BuildKit does
    assert (run.line, user.line) == (3, 10)


def test_escape_directive_makes_backtick_the_continuation() -> None:
    text = (
        "# syntax=docker/dockerfile:1\n"
        "# escape=`\n"
        "FROM mcr.microsoft.com/windows/servercore:ltsc2022 AS base\n"
        "RUN Get-ChildItem `\n"
        "    C:\\ `\n"
        "    -Recurse\n"
        "COPY --from=base C:\\app\\ C:\\app\\\n"
    )
    df = parse(text)
    run, copy = df.stage("base").instructions
    assert run.arguments == "Get-ChildItem     C:\\     -Recurse"
    assert (run.line, copy.line) == (4, 7)
    assert copy.flag("from") == "base" and copy.arguments == "C:\\app\\ C:\\app\\"
    assert df.image_references() == ["mcr.microsoft.com/windows/servercore:ltsc2022"]


def test_directives_only_at_the_very_top() -> None:
    text = "# a comment first\n# escape=`\nFROM alpine\nRUN echo `\nUSER 1\n"
    run, user = parse(text).stage().instructions
    assert run.arguments == "echo `" and user.line == 5  # ` did not continue the line


# ------------------------------------------------------------ instructions ---


def test_flags_and_exec_form() -> None:
    text = (
        "FROM alpine\n"
        "RUN --mount=type=cache,target=/root/.cache \\\n"
        '    --mount="type=secret,id=netrc" --network=none -- echo --not-a-flag\n'
        "COPY --link --chmod=755 a /b\n"
        "HEALTHCHECK --interval=30s --retries=3 \\\n"
        '    CMD ["python", "-c", "print(1)"]\n'
        "CMD uvicorn app:app\n"
        'ENTRYPOINT ["tini", "--"]\n'
    )
    run, copy, health, cmd, entrypoint = parse(text).stage().instructions
    assert run.flag_values("mount") == ["type=cache,target=/root/.cache", "type=secret,id=netrc"]
    assert run.flag("network") == "none" and run.flag("from") is None
    assert run.arguments == "echo --not-a-flag"
    assert copy.flags == (("link", "true"), ("chmod", "755"))
    assert health.flag("interval") == "30s"
    assert health.exec_form() == ["python", "-c", "print(1)"]
    assert cmd.exec_form() is None and cmd.arguments == "uvicorn app:app"
    assert entrypoint.exec_form() == ["tini", "--"]


# ------------------------------------------------------ image references ---

REFERENCES = """\
ARG UV_IMAGE=ghcr.io/astral-sh/uv:0.13.9
FROM ${UV_IMAGE} AS uv
FROM python:3.13-slim AS builder
COPY --from=uv /uv /bin/
COPY --from=0 /uvx /bin/
COPY --from=ghcr.io/astral-sh/uv:latest /uv /uv-latest
COPY --from=UV /uv /uv-again
RUN --mount=type=bind,from=local/tools:1,source=/bin/tool,target=/tool \\
    --mount=type=cache,from=builder,target=/cache \\
    --mount=type=cache,target=/root/.cache/uv \\
    --mount=from=uv,source=/uv,target=/uv \\
    true
FROM scratch AS empty
COPY --from=busybox:1 /bin/busybox /busybox
FROM builder AS runtime
COPY --from=ghcr.io/astral-sh/uv:latest /uvx /bin/
"""


def test_copy_from_and_mount_from_images_are_references() -> None:
    df = parse(REFERENCES)
    builder = df.stage("builder")
    assert builder.uses == (0, 1)  # uv by name, by index and in another case; itself
    assert builder.images == ("python:3.13-slim", "ghcr.io/astral-sh/uv:latest", "local/tools:1")
    assert df.image_references("runtime") == [
        UV,
        "python:3.13-slim",
        "ghcr.io/astral-sh/uv:latest",
        "local/tools:1",
    ]
    # What the runtime build never reaches is not pulled: the empty stage's busybox.
    assert "busybox:1" not in df.image_references("runtime")
    assert df.image_references("empty") == ["busybox:1"]  # scratch is no image
    assert df.final_base("empty") is None
    assert df.final_base("runtime") == "python:3.13-slim"


def test_arg_expanded_from_with_digest_and_platform() -> None:
    digest = "sha256:" + "ab" * 32
    text = (
        "ARG PYTHON_VERSION=3.13\n"
        'ARG PYTHON_BASE="python:${PYTHON_VERSION}-slim"\n'
        "ARG PIN\n"
        "ARG ALT\n"
        "FROM --platform=$BUILDPLATFORM ${PYTHON_BASE}${PIN:+@$PIN} AS build\n"
        "FROM --platform=${TARGETPLATFORM} local/${TARGETARCH}/python:${PYTHON_VERSION%.*}\n"
        "FROM ${ALT:-python}:$PYTHON_VERSION\n"
    )
    df = parse(text, {"PIN": digest}, platform="linux/arm64")
    build, arch, alt = df.stages
    assert build.base == f"python:3.13-slim@{digest}"
    assert build.platform == "$BUILDPLATFORM"  # the builder's own: unknown here, kept as written
    assert (arch.base, arch.platform) == ("local/arm64/python:3", "linux/arm64")
    assert (alt.base, alt.platform) == ("python:3.13", None)
    assert parse(text).stages[0].base == "python:3.13-slim"  # no PIN, no @


def test_in_stage_args_and_env() -> None:
    text = (
        "ARG PYTHON_VERSION=3.13\n"
        "ARG GLOBAL_ONLY=x\n"
        "FROM python:${PYTHON_VERSION}-slim AS base\n"
        "ARG PYTHON_VERSION\n"
        "ARG APP_VERSION=0.0.0 CHANNEL=py$PYTHON_VERSION\n"
        "ENV UV_PYTHON=python${PYTHON_VERSION} PATH=/app/bin:$PATH\n"
        "FROM base AS child\n"
        "ENV CHILD=${APP_VERSION}-${GLOBAL_ONLY}\n"
    )
    df = parse(text, {"APP_VERSION": "1.2.3"})
    base, child = df.stages
    assert dict(base.args) == {
        "PYTHON_VERSION": "3.13",
        "APP_VERSION": "1.2.3",
        "CHANNEL": "py3.13",
    }
    # The base image's PATH is not known here: it stays as written.
    assert dict(base.env) == {"UV_PYTHON": "python3.13", "PATH": "/app/bin:$PATH"}
    # A stage FROM another inherits its ARGs and ENV; a global ARG needs re-declaring.
    assert child.parent == 0 and child.env["CHILD"] == "1.2.3-${GLOBAL_ONLY}"
    assert [s.name for s in df.ancestry("child")] == ["child", "base"]


def test_instructions_are_inherited_oldest_first() -> None:
    text = "FROM alpine AS a\nUSER 1\nEXPOSE 80\nFROM a AS b\nUSER 2\nFROM alpine AS c\nUSER 3\n"
    df = parse(text)
    assert [i.arguments for i in df.instructions("b", "user")] == ["1", "2"]
    assert [i.arguments for i in df.instructions("b", "EXPOSE")] == ["80"]
    assert [i.arguments for i in df.instructions(None, "USER")] == ["3"]


# --------------------------------------------------------------- templates ---


@pytest.mark.parametrize(
    ("template", "stages"),
    [
        (
            "alpine",
            [("uv", UV), ("builder", "python:3.15-alpine"), ("runtime", "python:3.15-alpine")],
        ),
        ("dev", [("uv", UV), ("builder", "python:3.15-slim"), ("runtime", "python:3.15-slim")]),
        ("fastapi", [("uv", UV), ("builder", "python:3.15-slim"), ("runtime", "python:3.15-slim")]),
        (
            "gunicorn",
            [("uv", UV), ("builder", "python:3.15-slim"), ("runtime", "python:3.15-slim")],
        ),
        ("requirements", [("builder", "python:3.15-slim"), ("runtime", "python:3.15-slim")]),
    ],
)
def test_templates(template: str, stages: list[tuple[str, str]]) -> None:
    path = REPO / "dockerfiles" / f"Dockerfile.{template}"
    df = parse(path.read_text(encoding="utf-8"), source=str(path))
    assert [(s.name, s.base) for s in df.stages] == stages
    assert df.image_references() == list(dict.fromkeys(base for _, base in stages))
    assert df.final_base() == stages[-1][1]
    assert [i.arguments for i in df.instructions(None, "USER")] == ["10001:10001"]
    assert df.instructions(None, "CMD")[-1].exec_form() is not None  # exec form: [pid1]


def test_gunicorn_template_config_heredoc() -> None:
    path = REPO / "dockerfiles" / "Dockerfile.gunicorn"
    df = parse(path.read_text(encoding="utf-8"), {"PYTHON_VERSION": "3.13"})
    (config,) = [i for i in df.stage().instructions if i.heredocs]
    assert (config.keyword, config.arguments) == ("COPY", "<<'PY' /etc/gunicorn/gunicorn.conf.py")
    assert config.heredocs[0].startswith("import os\n")
    assert 'worker_class = "uvicorn_worker.UvicornWorker"\n' in config.heredocs[0]
    assert df.image_references() == [UV, "python:3.13-slim"]
    cmd = df.instructions(None, "CMD")[-1]
    assert cmd.exec_form() == [
        "gunicorn",
        "--config",
        "/etc/gunicorn/gunicorn.conf.py",
        "app.main:app",
    ]


# ------------------------------------------------------------------ errors ---


@pytest.mark.parametrize(
    ("text", "line", "message"),
    [
        ("ARG X=1\n# nothing else\n", 2, "no FROM instruction"),
        ("FROM\n", 1, "FROM takes an image"),
        ("FROM python:3.13 AS\n", 1, "FROM takes an image"),
        ("ARG BASE\nFROM ${BASE}\n", 2, "names no image"),
        ("FROM alpine\nRUN <<EOF\necho never ends\n", 2, "unterminated heredoc"),
        ("FROM alpine\n\nFOO bar\n", 3, "unknown instruction FOO"),
        ("RUN true\nFROM alpine\n", 1, "RUN before the first FROM"),
        ("ARG IMG=uv\nFROM alpine\nCOPY --from=${IMG} /a /b\n", 3, "does not expand variables"),
        ("FROM alpine\nRUN --mount=from=$IMG,target=/x true\n", 2, "does not expand variables"),
        ("FROM alpine\nCOPY --from=1 /a /b\n", 2, "there is no stage 1"),
        ("# escape=x\nFROM alpine\n", 1, "invalid escape character"),
        ("FROM alpine AS 2nd\n", 1, "invalid stage name"),
        ("ARG V='unclosed\nFROM alpine\n", 1, "unterminated single quote"),
        ("ARG V\nFROM alpine:${V:?needed}\n", 2, "V: needed"),
    ],
)
def test_malformed_dockerfiles_name_file_and_line(text: str, line: int, message: str) -> None:
    with pytest.raises(ConfigError, match=rf"^Dockerfile\.bad:{line}: .*{message}") as caught:
        parse(text, source="Dockerfile.bad")
    assert "\n" not in str(caught.value)


def test_unknown_target() -> None:
    with pytest.raises(ConfigError, match=r"^Dockerfile: no stage named 'prod' \(stages: a\)"):
        parse("FROM alpine AS a\n").stage("prod")


# ----------------------------------------------------------- the build plan ---


def test_copy_from_images_get_a_build_context_and_enter_the_tag(tmp_path: Path) -> None:
    (tmp_path / "app").mkdir()
    (tmp_path / "app" / "main.py").write_text("app = None\n")
    (tmp_path / "app" / "uv.lock").write_text("version = 1\n")
    (tmp_path / "Dockerfile").write_text(
        "ARG PYTHON_VERSION=3.15\n"
        "FROM python:${PYTHON_VERSION}-slim\n"
        "COPY --from=ghcr.io/astral-sh/uv:latest /uv /bin/\n"
        "RUN --mount=type=bind,from=local/tools:1,target=/t true\n"
    )
    (tmp_path / "shipshape.yaml").write_text(
        "apps: {web: {path: app}}\nvariants: {prod: {dockerfile: Dockerfile, apps: [web]}}\n"
    )
    manifest = load_manifest(tmp_path / "shipshape.yaml", PARAMS)
    (target,) = expand_targets(manifest, Selection(platforms=("linux/amd64",)), "linux/amd64")[0]
    options = BuildOptions(
        cache_dir=tmp_path / "cache",
        bases=parse_bases(
            "python:3.15-slim=local/python:3.15-slim\nghcr.io/astral-sh/uv:latest=local/uv:1\n"
        ),
    )

    def plan(uv_id: str):
        ids = {"local/python:3.15-slim": "sha256:py", "local/uv:1": uv_id}

        def get(ref: str) -> SimpleNamespace:
            if ref not in ids:
                raise docker.errors.ImageNotFound(ref)
            return SimpleNamespace(id=ids[ref])

        return plan_build(target, options, SimpleNamespace(images=SimpleNamespace(get=get)))

    the_plan = plan("sha256:uv-a")
    assert the_plan.bases == ("python:3.15-slim", "ghcr.io/astral-sh/uv:latest", "local/tools:1")
    assert the_plan.runtime_base == "python:3.15-slim"
    assert the_plan.dockerfile.stage().images == the_plan.bases
    assert plan("sha256:uv-b").digest != the_plan.digest  # a new uv image, a new tag

    command = buildx_command(the_plan, options, tmp_path / "Dockerfile.staged")
    contexts = [command[i + 1] for i, word in enumerate(command) if word == "--build-context"]
    assert contexts == [
        "python:3.15-slim=docker-image://local/python:3.15-slim",
        "ghcr.io/astral-sh/uv:latest=docker-image://local/uv:1",
    ]


# -------------------------------------------------------------- secrets ---

SECRET_STEPS = """\
FROM python:3.13-slim AS builder
RUN echo unrelated
RUN --mount=type=cache,target=/root/.cache/uv \\
    --mount=type=secret,id=netrc,target=/root/.netrc \\
    uv sync
RUN --mount=type=secret,target=/run/secrets/pip.conf cat /run/secrets/pip.conf
FROM python:3.13-slim AS unused
RUN --mount=type=secret,id=never-built true
FROM python:3.13-slim
RUN --mount=type=secret,id=netrc cp /run/secrets/netrc /root/.netrc
COPY --from=builder /app /app
"""


def test_secret_ids_are_those_the_build_mounts_with_buildkits_default_id() -> None:
    # The id defaults to the target's basename; a stage the build skips mounts nothing.
    assert secret_ids(parse(SECRET_STEPS)) == ["netrc", "pip.conf"]
    assert secret_ids(parse(SECRET_STEPS), "unused") == ["never-built"]


def test_each_stage_reruns_from_its_first_secret_step_and_other_lines_are_kept() -> None:
    edited = rerunning_secret_steps(SECRET_STEPS, parse(SECRET_STEPS), "n0nce")
    nonce = f"ARG {SECRET_STEP_NONCE}=n0nce"
    lines = edited.split("\n")
    assert [i for i, line in enumerate(lines) if line == nonce] == [2, 8, 11]
    assert [line for line in lines if line != nonce] == SECRET_STEPS.split("\n")
    # Each ARG sits in its stage, before that stage's first secret mount.
    stages = parse(edited).stages
    assert [[i.keyword for i in stage.instructions][:3] for stage in stages] == [
        ["RUN", "ARG", "RUN"],
        ["ARG", "RUN"],
        ["ARG", "RUN", "COPY"],
    ]


def test_a_dockerfile_without_secret_mounts_is_unchanged() -> None:
    assert rerunning_secret_steps(HEREDOC_PYTHON, parse(HEREDOC_PYTHON), "n0nce") == HEREDOC_PYTHON
