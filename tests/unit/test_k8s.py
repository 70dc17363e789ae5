"""The Deployment -> `docker run` translation behind `hardened`."""

from pathlib import Path

import pytest

from shipshape.errors import ConfigError
from shipshape.k8s import (
    describe,
    load_pod_facts,
    parse_quantity,
    restricted_gaps,
    run_options,
)

DEPLOYMENT = Path(__file__).parents[2] / "dockerfiles" / "k8s" / "deployment.yaml"


@pytest.mark.parametrize(
    ("quantity", "value"),
    [("256Mi", 256 * 2**20), ("1Gi", 2**30), ("500M", 500e6), ("500m", 0.5), ("1", 1.0),
     (2, 2.0), ("0.5", 0.5), ("129e6", 129e6)],
)  # fmt: skip
def test_kubernetes_quantities(quantity: object, value: float) -> None:
    assert parse_quantity(quantity, "here") == pytest.approx(value)


def test_a_bad_quantity_names_where_it_is() -> None:
    with pytest.raises(ConfigError, match=r"deployment.yaml: limits.memory: '256 MB' is not"):
        parse_quantity("256 MB", "deployment.yaml: limits.memory")


def test_the_shipped_deployment_becomes_the_restricted_run() -> None:
    options = run_options(load_pod_facts(DEPLOYMENT), 1, 1)
    assert options.read_only
    assert options.tmpfs == {"/tmp": "rw,noexec,nosuid,size=67108864"}  # sizeLimit: 64Mi
    assert options.cap_drop == ("ALL",)
    assert options.security_opt == ("no-new-privileges",)
    assert options.user == "10001:10001"
    assert options.memory_limit_bytes == 256 * 2**20
    assert options.cpu_limit == 1.0
    kwargs = options.as_kwargs()
    assert kwargs["mem_limit"] == kwargs["memswap_limit"] == 256 * 2**20  # no swap
    assert kwargs["nano_cpus"] == 1_000_000_000
    assert "--memory 256Mi (no swap) --cpus 1" in describe(options)


def test_a_pod_without_limits_runs_without_them(tmp_path: Path) -> None:
    manifest = tmp_path / "deployment.yaml"
    text = DEPLOYMENT.read_text(encoding="utf-8")
    manifest.write_text(text.replace('limits: {cpu: "1", memory: 256Mi}', "limits: {}"))
    kwargs = run_options(load_pod_facts(manifest), 1, 1).as_kwargs()
    assert "mem_limit" not in kwargs and "nano_cpus" not in kwargs


def test_the_shipped_deployment_meets_the_restricted_profile() -> None:
    assert restricted_gaps(load_pod_facts(DEPLOYMENT)) == []


@pytest.mark.parametrize(
    ("old", "new", "gap"),
    [
        ("readOnlyRootFilesystem: true", "readOnlyRootFilesystem: false", "readOnlyRootFilesystem"),
        (
            "capabilities: {drop: [ALL]}",
            "capabilities: {drop: [NET_RAW]}",
            "drop does not list ALL",
        ),
        ("allowPrivilegeEscalation: false", "allowPrivilegeEscalation: true", "allowPrivilege"),
        (
            "seccompProfile: {type: RuntimeDefault}",
            "seccompProfile: {type: Unconfined}",
            "Unconfined",
        ),
        ("runAsNonRoot: true ", "runAsNonRoot: false ", "runAsNonRoot is not true"),
    ],
)
def test_a_weakened_deployment_is_named(tmp_path: Path, old: str, new: str, gap: str) -> None:
    text = DEPLOYMENT.read_text(encoding="utf-8")
    assert old in text
    manifest = tmp_path / "deployment.yaml"
    manifest.write_text(text.replace(old, new))
    gaps = restricted_gaps(load_pod_facts(manifest))
    assert len(gaps) == 1 and gap in gaps[0]


def test_a_weakened_deployment_still_runs_restricted(tmp_path: Path) -> None:
    text = DEPLOYMENT.read_text(encoding="utf-8").replace(
        "readOnlyRootFilesystem: true", "readOnlyRootFilesystem: false"
    )
    manifest = tmp_path / "deployment.yaml"
    manifest.write_text(text)
    options = run_options(load_pod_facts(manifest), 1, 1)
    assert options.read_only and options.cap_drop == ("ALL",)


def test_without_a_deployment_the_floor_uses_the_image_user_and_a_tmp() -> None:
    options = run_options(None, 1000, 1000)
    assert options.user == "1000:1000" and options.read_only
    assert options.tmpfs == {"/tmp": "rw,noexec,nosuid"}
    assert options.security_opt == ("no-new-privileges",)
