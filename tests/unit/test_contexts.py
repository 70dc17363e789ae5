"""Docker contexts: the engine is chosen as the `docker` CLI chooses it.

No engine needed: each test builds a CLI config directory of its own
(contexts/meta/<sha256 of the name>/meta.json, contexts/tls/<sha256>/docker/).
"""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
from pathlib import Path

import pytest

from shipshape import engine
from shipshape.errors import ConfigError


def add_context(
    config_dir: Path,
    name: str,
    host: str,
    *,
    skip_verify: bool = False,
    tls_files: tuple[str, ...] = (),
) -> str:
    """Store a context the way `docker context create` does; returns its directory name."""
    digest = hashlib.sha256(name.encode()).hexdigest()
    meta = config_dir / "contexts" / "meta" / digest
    meta.mkdir(parents=True)
    endpoint = {"Host": host, "SkipTLSVerify": skip_verify}
    (meta / "meta.json").write_text(
        json.dumps({"Name": name, "Metadata": {}, "Endpoints": {"docker": endpoint}})
    )
    if tls_files:
        tls = config_dir / "contexts" / "tls" / digest / "docker"
        tls.mkdir(parents=True)
        for file in tls_files:
            (tls / file).write_text(f"-----BEGIN {file}-----\n")
    return digest


def use_context(config_dir: Path, name: str) -> None:
    """What `docker context use NAME` writes."""
    (config_dir / "config.json").write_text(json.dumps({"auths": {}, "currentContext": name}))


@pytest.fixture
def config_dir(tmp_path: Path) -> Path:
    directory = tmp_path / "docker-config"
    directory.mkdir()
    add_context(directory, "remote", "tcp://10.250.0.2:2375")
    add_context(directory, "other", "tcp://10.250.0.3:2375")
    return directory


# ------------------------------------------------------------- precedence


def test_default_is_the_local_socket(config_dir: Path) -> None:
    target = engine.resolve_engine(None, {}, config_dir)
    assert target == engine.EngineTarget("default", "unix:///var/run/docker.sock", None, "default")


def test_missing_config_dir_is_the_default(tmp_path: Path) -> None:
    target = engine.resolve_engine(None, {}, tmp_path / "nowhere")
    assert (target.name, target.host) == ("default", "unix:///var/run/docker.sock")


def test_current_context_from_config_file(config_dir: Path) -> None:
    use_context(config_dir, "remote")
    target = engine.resolve_engine(None, {}, config_dir)
    assert (target.name, target.host) == ("remote", "tcp://10.250.0.2:2375")
    assert target.source == f"current context in {config_dir / 'config.json'}"


def test_current_context_source_names_the_home_config_as_tilde(
    config_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HOME", str(config_dir.parent))
    monkeypatch.delenv("DOCKER_CONFIG", raising=False)
    home_config = config_dir.parent / ".docker"
    config_dir.rename(home_config)
    use_context(home_config, "remote")
    assert engine.docker_config_dir({}) == home_config
    target = engine.resolve_engine(None, {}, engine.docker_config_dir({}))
    assert target.source == "current context in ~/.docker/config.json"


def test_docker_config_env_names_the_config_dir(tmp_path: Path) -> None:
    assert engine.docker_config_dir({"DOCKER_CONFIG": str(tmp_path)}) == tmp_path


def test_docker_context_beats_current_context(config_dir: Path) -> None:
    use_context(config_dir, "other")
    target = engine.resolve_engine(None, {"DOCKER_CONTEXT": "remote"}, config_dir)
    assert (target.name, target.host, target.source) == (
        "remote",
        "tcp://10.250.0.2:2375",
        "DOCKER_CONTEXT",
    )


def test_docker_host_beats_docker_context_and_current_context(config_dir: Path) -> None:
    # As the CLI: DOCKER_HOST selects the "default" context, with that host;
    # it warns only in `docker context ls/use`, so this is a note, not a warning.
    use_context(config_dir, "other")
    environ = {"DOCKER_HOST": "tcp://127.0.0.1:2375", "DOCKER_CONTEXT": "remote"}
    target = engine.resolve_engine(None, environ, config_dir)
    assert (target.name, target.host, target.source) == (
        "default",
        "tcp://127.0.0.1:2375",
        "DOCKER_HOST",
    )
    assert target.note == "it overrides context 'remote'"
    target = engine.resolve_engine(None, {"DOCKER_HOST": "tcp://127.0.0.1:2375"}, config_dir)
    assert target.note == "it overrides context 'other'"


def test_option_beats_docker_host(config_dir: Path) -> None:
    environ = {"DOCKER_HOST": "tcp://127.0.0.1:2375", "DOCKER_CONTEXT": "other"}
    target = engine.resolve_engine("remote", environ, config_dir)
    assert (target.name, target.host, target.source) == (
        "remote",
        "tcp://10.250.0.2:2375",
        "--shipshape-context",
    )


def test_default_context_by_name_still_uses_docker_host(config_dir: Path) -> None:
    # `docker --context default` and DOCKER_CONTEXT=default read DOCKER_HOST too.
    environ = {"DOCKER_HOST": "tcp://127.0.0.1:2375"}
    assert engine.resolve_engine("default", environ, config_dir).host == "tcp://127.0.0.1:2375"
    use_context(config_dir, "remote")
    target = engine.resolve_engine(None, {"DOCKER_CONTEXT": "default"}, config_dir)
    assert (target.name, target.host) == ("default", "unix:///var/run/docker.sock")


def test_empty_variables_count_as_unset(config_dir: Path) -> None:
    use_context(config_dir, "remote")
    target = engine.resolve_engine(None, {"DOCKER_HOST": "", "DOCKER_CONTEXT": ""}, config_dir)
    assert target.name == "remote"


# ------------------------------------------------------------ the store


def test_meta_json_is_found_by_the_sha256_of_the_name(config_dir: Path) -> None:
    digest = add_context(config_dir, "team/build-box", "ssh://builder@10.250.0.2")
    assert digest == hashlib.sha256(b"team/build-box").hexdigest()
    target = engine.resolve_engine("team/build-box", {}, config_dir)
    assert (target.host, target.tls) == ("ssh://builder@10.250.0.2", None)


def test_a_directory_not_named_by_the_hash_is_not_the_context(config_dir: Path) -> None:
    stray = config_dir / "contexts" / "meta" / "stray"
    stray.mkdir()
    (stray / "meta.json").write_text(
        json.dumps({"Name": "stray", "Endpoints": {"docker": {"Host": "tcp://10.250.0.9:1"}}})
    )
    with pytest.raises(ConfigError, match="'stray'"):
        engine.resolve_engine("stray", {}, config_dir)


def test_unknown_context_names_it_and_the_contexts_that_exist(config_dir: Path) -> None:
    with pytest.raises(ConfigError) as error:
        engine.resolve_engine(None, {"DOCKER_CONTEXT": "nope"}, config_dir)
    assert str(error.value) == (
        "docker context 'nope' (from DOCKER_CONTEXT) does not exist; "
        "contexts: default, other, remote"
    )
    assert "\n" not in str(error.value)


def test_unknown_current_context_says_where_it_came_from(config_dir: Path) -> None:
    use_context(config_dir, "gone")
    with pytest.raises(ConfigError, match=r"'gone' \(from current context in .*config\.json\)"):
        engine.resolve_engine(None, {}, config_dir)


def test_context_without_a_docker_endpoint(config_dir: Path) -> None:
    digest = hashlib.sha256(b"k8s-only").hexdigest()
    meta = config_dir / "contexts" / "meta" / digest
    meta.mkdir(parents=True)
    (meta / "meta.json").write_text(json.dumps({"Name": "k8s-only", "Endpoints": {}}))
    with pytest.raises(ConfigError, match=r"'k8s-only' .* has no docker endpoint"):
        engine.resolve_engine("k8s-only", {}, config_dir)


def test_unreadable_config_file_is_one_line(config_dir: Path) -> None:
    (config_dir / "config.json").write_text("{not json")
    with pytest.raises(ConfigError, match="cannot read the docker CLI config"):
        engine.resolve_engine(None, {}, config_dir)
    # ...but it does not matter when DOCKER_HOST or the option decides.
    assert engine.resolve_engine(None, {"DOCKER_HOST": "tcp://127.0.0.1:1"}, config_dir)
    assert engine.resolve_engine("remote", {}, config_dir)


# ------------------------------------------------------------------- TLS


def test_tls_files_are_picked_up(config_dir: Path) -> None:
    digest = add_context(
        config_dir, "secure", "tcp://10.250.0.2:2376", tls_files=("ca.pem", "cert.pem", "key.pem")
    )
    tls_dir = config_dir / "contexts" / "tls" / digest / "docker"
    target = engine.resolve_engine("secure", {}, config_dir)
    assert target.tls == engine.EngineTLS(
        verify=True,
        ca_cert=tls_dir / "ca.pem",
        client_cert=(tls_dir / "cert.pem", tls_dir / "key.pem"),
    )
    config = target.tls.config()
    assert (config.verify, config.ca_cert) == (True, str(tls_dir / "ca.pem"))
    assert config.cert == (str(tls_dir / "cert.pem"), str(tls_dir / "key.pem"))


def test_ca_only_and_skip_tls_verify(config_dir: Path) -> None:
    add_context(config_dir, "ca-only", "tcp://10.250.0.2:2376", tls_files=("ca.pem",))
    tls = engine.resolve_engine("ca-only", {}, config_dir).tls
    assert tls is not None and (tls.verify, tls.client_cert) == (True, None)
    add_context(config_dir, "insecure", "tcp://10.250.0.2:2376", skip_verify=True)
    assert engine.resolve_engine("insecure", {}, config_dir).tls == engine.EngineTLS(verify=False)


def test_no_tls_without_files_or_for_sockets(config_dir: Path) -> None:
    assert engine.resolve_engine("remote", {}, config_dir).tls is None
    add_context(config_dir, "sock", "unix:///run/other.sock", tls_files=("ca.pem",))
    assert engine.resolve_engine("sock", {}, config_dir).tls is None


def test_default_context_tls_from_the_environment(tmp_path: Path, config_dir: Path) -> None:
    certs = tmp_path / "certs"
    certs.mkdir()
    for file in ("ca.pem", "cert.pem", "key.pem"):
        (certs / file).write_text("x")
    environ = {
        "DOCKER_HOST": "tcp://10.250.0.2:2376",
        "DOCKER_TLS_VERIFY": "1",
        "DOCKER_CERT_PATH": str(certs),
    }
    target = engine.resolve_engine(None, environ, config_dir)
    assert target.tls == engine.EngineTLS(
        True, certs / "ca.pem", (certs / "cert.pem", certs / "key.pem")
    )
    # TLS asked for without a host: the CLI's tcp://localhost:2376.
    del environ["DOCKER_HOST"]
    assert engine.resolve_engine(None, environ, config_dir).host == "tcp://localhost:2376"
    # No ca.pem: the CLI refuses, and so do we, in one line.
    (certs / "ca.pem").unlink()
    with pytest.raises(ConfigError, match=r"ca\.pem does not exist"):
        engine.resolve_engine(None, environ, config_dir)


# ----------------------------------------------------- children, connect


def test_export_pins_the_context_for_children_and_restores(config_dir: Path) -> None:
    environ = {"DOCKER_HOST": "tcp://127.0.0.1:2375", "PATH": "/bin"}
    target = engine.resolve_engine("remote", environ, config_dir)
    restore = engine.export_for_children(target, environ)
    # DOCKER_HOST would beat DOCKER_CONTEXT in a child `docker`: it goes.
    assert environ == {"DOCKER_CONTEXT": "remote", "PATH": "/bin"}
    assert engine.resolve_engine(None, environ, config_dir) == engine.EngineTarget(
        "remote", "tcp://10.250.0.2:2375", None, "DOCKER_CONTEXT"
    )
    restore()
    assert environ == {"DOCKER_HOST": "tcp://127.0.0.1:2375", "PATH": "/bin"}


def test_export_keeps_docker_host_for_the_default_context(config_dir: Path) -> None:
    environ = {"DOCKER_HOST": "tcp://127.0.0.1:2375", "DOCKER_CONTEXT": "remote"}
    restore = engine.export_for_children(engine.resolve_engine(None, environ, config_dir), environ)
    assert environ == {"DOCKER_HOST": "tcp://127.0.0.1:2375", "DOCKER_CONTEXT": "default"}
    restore()
    assert environ == {"DOCKER_HOST": "tcp://127.0.0.1:2375", "DOCKER_CONTEXT": "remote"}


@pytest.mark.parametrize(
    ("option", "environ", "current"),
    [
        ("remote", {"DOCKER_HOST": "tcp://127.0.0.1:2375"}, "other"),
        ("default", {"DOCKER_CONTEXT": "remote"}, None),
        (None, {"DOCKER_HOST": "tcp://127.0.0.1:2375", "DOCKER_CONTEXT": "remote"}, None),
        (None, {"DOCKER_CONTEXT": "remote"}, "other"),
        (None, {}, "remote"),
        (None, {}, None),
    ],
)
def test_after_export_the_environment_resolves_to_the_same_engine(
    config_dir: Path, option: str | None, environ: dict[str, str], current: str | None
) -> None:
    if current:
        use_context(config_dir, current)
    target = engine.resolve_engine(option, environ, config_dir)
    engine.export_for_children(target, environ)
    # ...also once someone runs `docker context use` mid-run: the name is pinned.
    use_context(config_dir, "other")
    again = engine.resolve_engine(None, environ, config_dir)
    assert (again.name, again.host, again.tls) == (target.name, target.host, target.tls)


def test_connect_failure_is_one_line_naming_the_context(config_dir: Path) -> None:
    add_context(config_dir, "dead", "unix:///nonexistent/docker.sock")
    with pytest.raises(ConfigError) as error:
        engine.connect(engine.resolve_engine(None, {"DOCKER_CONTEXT": "dead"}, config_dir))
    message = str(error.value)
    assert message.startswith(
        "no Docker engine reachable at unix:///nonexistent/docker.sock "
        "(context 'dead' from DOCKER_CONTEXT; "
    )
    assert "\n" not in message


def test_connect_passes_host_tls_and_ssh_to_the_sdk(
    config_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    made: list[dict] = []

    class FakeClient:
        def __init__(self, **kwargs) -> None:
            made.append(kwargs)

        def ping(self) -> bool:
            return True

    monkeypatch.setattr(engine.docker, "DockerClient", FakeClient)
    add_context(config_dir, "secure", "tcp://10.250.0.2:2376", tls_files=("ca.pem",))
    add_context(config_dir, "over-ssh", "ssh://builder@10.250.0.2")
    engine.connect(engine.resolve_engine("secure", {}, config_dir))
    engine.connect(engine.resolve_engine("over-ssh", {}, config_dir))
    secure, over_ssh = made
    assert secure["base_url"] == "tcp://10.250.0.2:2376"
    assert secure["tls"].ca_cert.endswith("/docker/ca.pem") and secure["tls"].verify is True
    assert (secure["timeout"], secure["use_ssh_client"]) == (120, False)
    assert over_ssh["base_url"] == "ssh://builder@10.250.0.2"
    assert (over_ssh["tls"], over_ssh["use_ssh_client"]) == (False, True)


def test_connect_without_arguments_resolves_from_the_environment(
    config_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    made: list[str] = []

    class FakeClient:
        def __init__(self, **kwargs) -> None:
            made.append(kwargs["base_url"])

        def ping(self) -> bool:
            return True

    monkeypatch.setattr(engine.docker, "DockerClient", FakeClient)
    monkeypatch.delenv("DOCKER_HOST", raising=False)
    monkeypatch.setenv("DOCKER_CONFIG", str(config_dir))
    monkeypatch.setenv("DOCKER_CONTEXT", "remote")
    engine.connect()
    assert made == ["tcp://10.250.0.2:2375"]


# -------------------------------------------------- agrees with the CLI

CLI_CASES = {
    "nothing set": ({}, None),
    "current context": ({}, "remote"),
    "DOCKER_CONTEXT over current": ({"DOCKER_CONTEXT": "other"}, "remote"),
    "DOCKER_HOST over both": (
        {"DOCKER_HOST": "tcp://127.0.0.1:2375", "DOCKER_CONTEXT": "other"},
        "remote",
    ),
    "DOCKER_CONTEXT=default with DOCKER_HOST": (
        {"DOCKER_HOST": "tcp://127.0.0.1:2375", "DOCKER_CONTEXT": "default"},
        None,
    ),
}


@pytest.mark.skipif(shutil.which("docker") is None, reason="no docker CLI")
@pytest.mark.parametrize("case", CLI_CASES)
def test_resolution_agrees_with_the_docker_cli(config_dir: Path, case: str) -> None:
    """`docker context inspect` (no engine contacted) picks the same name and host."""
    environ, current = CLI_CASES[case]
    if current:
        use_context(config_dir, current)
    ours = engine.resolve_engine(None, environ, config_dir)
    cli = subprocess.run(
        ["docker", "context", "inspect", "--format", "{{.Name}} {{.Endpoints.docker.Host}}"],
        env={"PATH": "/usr/local/bin:/usr/bin:/bin", "DOCKER_CONFIG": str(config_dir), **environ},
        capture_output=True,
        text=True,
        timeout=30,
        check=True,
    )
    assert cli.stdout.split() == [ours.name, ours.host]


# ---------------------------------------------------------------- plugin


def test_unknown_context_option_is_a_usage_error_before_any_engine(
    pytester: pytest.Pytester, config_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    pytester.mkdir("app")
    pytester.path.joinpath("app", "uv.lock").write_text("version = 1\n")
    pytester.path.joinpath("Dockerfile").write_text("FROM python:3.15-slim\n")
    pytester.path.joinpath("shipshape.yaml").write_text(
        "apps:\n  web: {path: app}\nvariants:\n  prod:\n    dockerfile: Dockerfile\n"
        "    apps: [web]\n    properties:\n      user: {uid: 1}\n"
    )
    monkeypatch.setenv("DOCKER_CONFIG", str(config_dir))
    monkeypatch.setenv("DOCKER_HOST", "unix:///nonexistent/docker.sock")
    result = pytester.runpytest_subprocess("shipshape.yaml", "--shipshape-context", "nope")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    errors = [line for line in result.errlines if line.strip()]
    assert errors == [
        "ERROR: docker context 'nope' (from --shipshape-context) does not exist; "
        "contexts: default, other, remote"
    ]
