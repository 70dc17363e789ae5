"""The Compose stack's files and its pure readings, without an engine."""

import ast
import importlib.util
from pathlib import Path
from urllib.parse import unquote, urlparse

import pytest
import yaml

from shipshape.composefile import service_of_image, unbuilt_image_problems, unbuilt_images

REPO = Path(__file__).resolve().parents[2]
COMPOSE = REPO / "dockerfiles" / "docker-compose.yml"
OVERRIDE = REPO / "dockerfiles" / "docker-compose.override.yml"
DECLARED = {"postgres:16", "redis:7"}


def test_a_built_service_and_a_declared_base_pass() -> None:
    config = {"services": {"app": {"build": {"context": "."}}, "db": {"image": "postgres:16"}}}
    assert unbuilt_image_problems(config, DECLARED) == []


def test_an_image_a_sibling_builds_is_still_a_pull() -> None:
    # Compose pulls a service's missing image before it builds anything.
    config = {
        "services": {
            "app": {"image": "team/app:latest", "build": {"context": "."}},
            "migrate": {"image": "team/app:latest"},
        }
    }
    [problem] = unbuilt_image_problems(config, DECLARED)
    assert problem.startswith("migrate runs team/app:latest, which the stack does not build")
    assert unbuilt_images(config) == ["team/app:latest"]
    assert service_of_image(config, "team/app:latest") == ["app", "migrate"]


def test_a_service_with_no_image_at_all() -> None:
    assert unbuilt_image_problems({"services": {"x": {}}}, DECLARED) == [
        "x has neither build: nor image:"
    ]


def services(path: Path) -> dict:
    return yaml.safe_load(path.read_text())["services"]


def test_the_app_runs_as_the_deployment_does() -> None:
    for name in ("app", "migrate"):
        service = services(COMPOSE)[name]
        assert service["read_only"] is True, name
        assert service["cap_drop"] == ["ALL"], name
        assert "no-new-privileges:true" in service["security_opt"], name
        assert any(t.startswith("/tmp:") for t in service["tmpfs"]), name


def test_no_password_in_any_environment() -> None:
    for path in (COMPOSE, OVERRIDE):
        for name, service in services(path).items():
            environment = service.get("environment") or {}
            assert not [k for k in environment if k.endswith("PASSWORD")], (path.name, name)


def test_the_databases_stay_on_the_internal_network_and_unpublished() -> None:
    base = yaml.safe_load(COMPOSE.read_text())
    assert base["networks"]["backend"]["internal"] is True
    for path in (COMPOSE, OVERRIDE):
        for name in ("db", "cache"):
            service = services(path).get(name) or {}
            assert not service.get("ports"), (path.name, name)
            assert service.get("networks", ["backend"]) == ["backend"], (path.name, name)


def load_settings(monkeypatch: pytest.MonkeyPatch, env: dict[str, str]):
    for key in ("DATABASE_URL", "POSTGRES_PASSWORD_FILE", "POSTGRES_HOST", "POSTGRES_DB"):
        monkeypatch.delenv(key, raising=False)
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    path = REPO / "sample_apps" / "stack" / "app" / "settings.py"
    spec = importlib.util.spec_from_file_location("stack_settings", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("password", ["p@ss/w:rd", "100%#?x", "plain"])
def test_the_app_escapes_the_password_into_its_url(
    password: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    secret = tmp_path / "db_password"
    secret.write_text(password + "\n")
    settings = load_settings(
        monkeypatch,
        {"POSTGRES_PASSWORD_FILE": str(secret), "POSTGRES_HOST": "db", "POSTGRES_DB": "notes"},
    )
    url = urlparse(settings.DATABASE_URL)
    assert (url.hostname, url.port, url.path) == ("db", 5432, "/notes")
    assert unquote(url.password) == password


# What a stack property may import of the harness: its subject, the errors,
# the property types and pure parsers; never compose/build/manifest machinery.
ALLOWED = {
    "shipshape.subject",
    "shipshape.errors",
    "shipshape.properties.base",
    "shipshape.composefile",
    "shipshape.k8s",
    "shipshape.waiting",
}
PROPERTIES = REPO / "src/shipshape/properties"
STACK_PROPERTIES = sorted([*PROPERTIES.glob("compose_*.py"), PROPERTIES / "k8s_outage_safe.py"])


@pytest.mark.parametrize("path", STACK_PROPERTIES, ids=lambda p: p.stem)
def test_a_stack_property_talks_only_to_its_subject(path: Path) -> None:
    imported = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module:
            imported.add(node.module)
        elif isinstance(node, ast.Import):
            imported |= {alias.name for alias in node.names}
    harness = {name for name in imported if name.split(".")[0] == "shipshape"}
    assert harness <= ALLOWED, f"{path.name} imports {sorted(harness - ALLOWED)}"
