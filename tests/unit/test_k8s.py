"""The Deployment as data: the `docker run` translation behind `hardened`, the probe
drift of `k8s-consistent`, the drain rules of `k8s-drain-safe`."""

from pathlib import Path
from types import SimpleNamespace

import pytest

from shipshape.errors import ConfigError, NotChecked, PropertyFailed
from shipshape.k8s import (
    describe,
    load_drain_facts,
    load_pod_facts,
    parse_quantity,
    restricted_gaps,
    run_options,
    selects,
)
from shipshape.properties import k8s_consistent, k8s_drain_safe
from shipshape.waiting import Budget

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


# ------------------------------------------------------------ probes and drains


def _edited(tmp_path: Path, *replacements: tuple[str, str]) -> Path:
    text = DEPLOYMENT.read_text(encoding="utf-8")
    for old, new in replacements:
        assert old in text, f"{old!r} is no longer in the shipped Deployment"
        text = text.replace(old, new, 1)
    manifest = tmp_path / "deployment.yaml"
    manifest.write_text(text, encoding="utf-8")
    return manifest


EXPECTED = k8s_consistent.Expected(
    port=8000, path="/health", uid=10001, gid=10001, stop_budget_s=5.0, exposed_ports=(8000,)
)


def test_the_shipped_probes_ask_three_questions() -> None:
    probes = load_pod_facts(DEPLOYMENT).probes
    # Alive (no backend) for startup and liveness; able to serve for readiness.
    assert {n: (p.path, p.port) for n, p in probes.items()} == {
        "startupProbe": ("/livez", 8000),
        "livenessProbe": ("/livez", 8000),
        "readinessProbe": ("/health", 8000),
    }
    assert k8s_consistent.drift(load_pod_facts(DEPLOYMENT), EXPECTED) == []


def test_readiness_must_ask_the_images_health_path(tmp_path: Path) -> None:
    manifest = _edited(tmp_path, ("path: /health, port: http}", "path: /healthz, port: http}"))
    (gap,) = k8s_consistent.drift(load_pod_facts(manifest), EXPECTED)
    assert "readinessProbe GET /healthz, the image's health is /health" in gap


def test_a_probe_on_another_port_is_drift(tmp_path: Path) -> None:
    manifest = _edited(tmp_path, ("path: /livez, port: http}", "path: /livez, port: 9000}"))
    (gap,) = k8s_consistent.drift(load_pod_facts(manifest), EXPECTED)
    assert gap == "startupProbe GET /livez on port 9000, the image listens on 8000"


def test_each_probe_path_must_answer_what_its_probe_needs() -> None:
    facts = load_pod_facts(DEPLOYMENT)
    assert k8s_consistent.answer_drift(facts, {"/livez": 200, "/health": 200}, (200,)) == []
    # The stack's app alone: alive, not ready; allowed only where the manifest says so.
    alone = {"/livez": 200, "/health": 503}
    assert k8s_consistent.answer_drift(facts, alone, (200, 503)) == []
    (gap,) = k8s_consistent.answer_drift(facts, alone, (200,))
    assert gap == "readinessProbe GET /health answered 503 on the image, not 200"
    # No /livez in the app: startup and liveness both fail, whatever readiness allows.
    gaps = k8s_consistent.answer_drift(facts, {"/livez": 404, "/health": 200}, (200, 503))
    assert gaps == [
        "startupProbe GET /livez answered 404 on the image, not 200",
        "livenessProbe GET /livez answered 404 on the image, not 200",
    ]


DRAIN = k8s_drain_safe.Params()


def test_the_shipped_deployment_is_drain_safe() -> None:
    facts = load_drain_facts(DEPLOYMENT)
    gaps, spread = k8s_drain_safe.drain_gaps(facts, DRAIN)
    assert gaps == []
    assert spread == "topologySpreadConstraints on kubernetes.io/hostname (required, maxSkew 1)"
    assert (facts.replicas, facts.pre_stop_sleep_s, facts.termination_grace_s) == (2, 5.0, 15)
    assert facts.termination_grace_s >= facts.pre_stop_sleep_s + DRAIN.sigterm_budget_s


PDB_SPEC = "spec:\n  maxUnavailable: 1\n"


@pytest.mark.parametrize(
    ("replacements", "gap"),
    [
        # The PDB gone (its kind renamed: a ConfigMap-like object no one reads).
        ([("kind: PodDisruptionBudget", "kind: Unrelated")], "no PodDisruptionBudget selects"),
        ([("name: fastapi-app\n  namespace: fastapi-app\nspec:\n  maxUnavailable",
           "name: fastapi-app\n  namespace: other\nspec:\n  maxUnavailable")],
         "in namespace fastapi-app (there is fastapi-app (namespace other))"),
        ([(PDB_SPEC + "  selector:\n    matchLabels: {app.kubernetes.io/name: fastapi-app}",
           PDB_SPEC + "  selector:\n    matchLabels: {app.kubernetes.io/name: another-app}")],
         "no PodDisruptionBudget selects"),
        ([(PDB_SPEC, "spec:\n  minAvailable: 2\n")], "lets no pod be evicted"),
        ([(PDB_SPEC, "spec:\n  minAvailable: 100%\n")], "lets no pod be evicted"),
        ([(PDB_SPEC, "spec:\n  maxUnavailable: 0\n")], "lets no pod be evicted"),
        ([(PDB_SPEC, "spec:\n  maxUnavailable: 2\n")], "evict all of them at once"),
        ([(PDB_SPEC, "spec:\n  minAvailable: 0\n")], "evict all of them at once"),
        ([("topologyKey: kubernetes.io/hostname", "topologyKey: example.com/rack")],
         "all replicas may land on one node"),
        ([("- maxSkew: 1\n          topologyKey: kubernetes.io/hostname",
           "- maxSkew: 2\n          topologyKey: kubernetes.io/hostname")],
         "maxSkew 2 lets all 2 replicas share one node"),
        ([("sleep: {seconds: 5}", "sleep: {seconds: 0}")],
         "the preStop sleep is 0 s"),
        ([("preStop:\n              sleep: {seconds: 5}",
           "preStop:\n              exec: {command: [sleep, '5']}")],
         "the preStop hook is `exec`, not `sleep`"),
        ([("            preStop:\n              sleep: {seconds: 5}\n", "            {}\n")],
         "no preStop hook"),
        ([("terminationGracePeriodSeconds: 15", "terminationGracePeriodSeconds: 9")],
         "terminationGracePeriodSeconds 9 is below the preStop sleep 5s + the 5s stop budget"),
        ([("replicas: 2", "replicas: 1")], "replicas 1"),
    ],
)  # fmt: skip
def test_what_makes_a_deployment_drop_requests_is_named(
    tmp_path: Path, replacements: list[tuple[str, str]], gap: str
) -> None:
    manifest = _edited(tmp_path, *replacements)
    gaps, _ = k8s_drain_safe.drain_gaps(load_drain_facts(manifest), DRAIN)
    assert any(gap in g for g in gaps), gaps


def test_the_grace_period_follows_the_sigterm_budget(tmp_path: Path) -> None:
    facts = load_drain_facts(DEPLOYMENT)  # preStop 5 s, grace 15 s
    assert k8s_drain_safe.drain_gaps(facts, k8s_drain_safe.Params(sigterm_budget_s=10))[0] == []
    (gap,) = k8s_drain_safe.drain_gaps(facts, k8s_drain_safe.Params(sigterm_budget_s=11))[0]
    assert "below the preStop sleep 5s + the 11s stop budget = 16s" in gap


def test_pod_anti_affinity_counts_as_spread(tmp_path: Path) -> None:
    text = DEPLOYMENT.read_text(encoding="utf-8")
    start = text.index("      topologySpreadConstraints:")
    end = text.index("      containers:")
    anti = (
        "      affinity:\n        podAntiAffinity:\n"
        "          requiredDuringSchedulingIgnoredDuringExecution:\n"
        "            - topologyKey: kubernetes.io/hostname\n"
        "              labelSelector:\n"
        "                matchExpressions:\n"
        "                  - {key: app.kubernetes.io/name, operator: In, values: [fastapi-app]}\n"
    )
    manifest = tmp_path / "deployment.yaml"
    manifest.write_text(text[:start] + anti + text[end:], encoding="utf-8")
    gaps, spread = k8s_drain_safe.drain_gaps(load_drain_facts(manifest), DRAIN)
    assert gaps == [] and spread == "podAntiAffinity on kubernetes.io/hostname (required)"


@pytest.mark.parametrize(
    ("selector", "selected"),
    [
        ({}, True),
        ({"matchLabels": {"app": "a"}}, True),
        ({"matchLabels": {"app": "b"}}, False),
        ({"matchExpressions": [{"key": "app", "operator": "In", "values": ["a", "b"]}]}, True),
        ({"matchExpressions": [{"key": "app", "operator": "NotIn", "values": ["a"]}]}, False),
        ({"matchExpressions": [{"key": "tier", "operator": "Exists"}]}, False),
        ({"matchExpressions": [{"key": "tier", "operator": "DoesNotExist"}]}, True),
    ],
)
def test_label_selectors(selector: dict, selected: bool) -> None:
    assert selects(selector, {"app": "a"}) is selected


class FakeContainer:
    """A started container whose server answers `statuses` (path -> status), or nothing."""

    def __init__(self, statuses: dict[str, int] | None) -> None:
        self.statuses = statuses

    def answers(self, path: str) -> bool:
        return self.statuses is not None and self.statuses.get(path, 404) < 500

    def exited(self) -> bool:
        return self.statuses is None  # a server that never answers has died

    def status(self) -> str:
        return "exited" if self.statuses is None else "running"

    def get(self, path: str, timeout: float) -> SimpleNamespace:
        assert self.statuses is not None
        return SimpleNamespace(status_code=self.statuses.get(path, 404))


def consistent_subject(statuses: dict[str, int] | None) -> SimpleNamespace:
    return SimpleNamespace(
        params=lambda prop: SimpleNamespace(within_s=5.0) if prop == "sigterm" else None,
        image_user=lambda: SimpleNamespace(uid=10001, gid=10001),
        image_config=lambda: {"ExposedPorts": {"8000/tcp": {}}},
        port=8000,
        health_path="/health",
        shared=lambda: FakeContainer(statuses),
        budget=lambda s: Budget(s),
    )


def test_k8s_consistent_asks_each_probe_path_on_the_image() -> None:
    params = k8s_consistent.Params(k8s_manifest=DEPLOYMENT)
    value = k8s_consistent.check(consistent_subject({"/livez": 200, "/health": 200}), params)
    assert (
        value == "port 8000, startup /livez, liveness /livez, readiness /health answer, uid 10001"
    )
    with pytest.raises(PropertyFailed, match="livenessProbe GET /livez answered 404 on the image"):
        k8s_consistent.check(consistent_subject({"/health": 200}), params)


def test_k8s_consistent_without_an_answering_server_is_not_checked_naming_why() -> None:
    params = k8s_consistent.Params(k8s_manifest=DEPLOYMENT, within_s=0.2)
    with pytest.raises(NotChecked, match=r"never answered on port 8000 .*container exited"):
        k8s_consistent.check(consistent_subject(None), params)
