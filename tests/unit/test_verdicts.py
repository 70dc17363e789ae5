"""Fingerprints: every input a verdict depends on changes it; the store is atomic."""

from __future__ import annotations

import ast
import dataclasses
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from types import SimpleNamespace

import shipshape.verdicts as verdicts
from shipshape.bases import parse_bases
from shipshape.build import BuildOptions
from shipshape.engine import GATE_VARIABLE, RunIdentity
from shipshape.manifest import Selection, expand_targets, load_manifest
from shipshape.properties import PARAMS
from shipshape.properties.compose_healthy import Params as ComposeHealthy
from shipshape.properties.hardened import Params as Hardened
from shipshape.properties.healthy import Params as Healthy
from shipshape.properties.lint import Params as Lint
from shipshape.runstate import FRESH_VARIABLE, export_gate
from shipshape.subject import SETTINGS_READ_ACROSS, Reads, Subject
from shipshape.verdicts import (
    VerdictStore,
    fingerprint,
    harness_digest,
    image_content,
    params_input,
)
from tests.support.fake_engine import fake_client

BASE = {"property": "hardened", "target": "t/a/3.15/linux/amd64", "plan": "d1", "engine": "e"}


def test_each_input_changes_the_fingerprint() -> None:
    key = fingerprint(BASE)
    for name, other in (("plan", "d2"), ("engine", "e2"), ("property", "healthy")):
        assert fingerprint({**BASE, name: other}) != key, name
    assert fingerprint(dict(BASE)) == key  # and nothing else does


def test_a_named_files_content_is_an_input(tmp_path: Path) -> None:
    deployment = tmp_path / "deployment.yaml"
    deployment.write_text("readOnlyRootFilesystem: true\n")
    params = Hardened(k8s_manifest=deployment)
    before = fingerprint({**BASE, "params": params_input(params)})
    deployment.write_text("readOnlyRootFilesystem: false\n")
    assert fingerprint({**BASE, "params": params_input(params)}) != before
    budget = dataclasses.replace(params, within_s=30.0)
    assert fingerprint({**BASE, "params": params_input(budget)}) != before


def test_the_harness_code_is_an_input() -> None:
    digest = harness_digest()
    assert len(digest) == 64

    verdicts.harness_digest.cache_clear()
    original = verdicts.PACKAGE
    try:
        verdicts.PACKAGE = Path(__file__).parent  # another "harness"
        assert verdicts.harness_digest() != digest
    finally:
        verdicts.PACKAGE = original
        verdicts.harness_digest.cache_clear()


def fake_harness(root: Path) -> Path:
    """A package of the harness's shape: core modules, two properties, a shared helper."""
    (root / "properties").mkdir(parents=True)
    (root / "build.py").write_text("BUILD = 1\n")
    (root / "properties" / "__init__.py").write_text("from shipshape.properties import a, b\n")
    (root / "properties" / "base.py").write_text("BASE = 1\n")
    (root / "properties" / "support.py").write_text("HELP = 1\n")
    (root / "properties" / "a.py").write_text(
        "from shipshape.properties.base import BASE\n"
        "from shipshape.properties.support import HELP\n"
    )
    (root / "properties" / "b.py").write_text("from shipshape.properties import base\n")
    return root


def test_a_change_to_one_propertys_code_rechecks_only_what_uses_that_code(
    tmp_path: Path, monkeypatch
) -> None:
    monkeypatch.setattr(verdicts, "PACKAGE", fake_harness(tmp_path / "pkg"))

    def keys() -> dict[str, str]:
        verdicts.harness_digest.cache_clear()
        verdicts.property_code_digest.cache_clear()
        return {name: fingerprint(BASE, name) for name in ("a", "b")}

    try:
        before = keys()
        assert before["a"] != before["b"]
        properties = tmp_path / "pkg" / "properties"
        (properties / "b.py").write_text("from shipshape.properties import base\nB = 2\n")
        after_b = keys()
        assert after_b["a"] == before["a"] and after_b["b"] != before["b"]
        # A helper a property imports is that property's code too.
        (properties / "support.py").write_text("HELP = 2\n")
        after_support = keys()
        assert after_support["a"] != after_b["a"] and after_support["b"] == after_b["b"]
        # The core (the registry, base, the build machinery) is every property's input.
        for core in (properties / "base.py", tmp_path / "pkg" / "build.py"):
            last = keys()
            core.write_text(core.read_text() + "# changed\n")
            now = keys()
            assert now["a"] != last["a"] and now["b"] != last["b"], core
    finally:
        verdicts.harness_digest.cache_clear()
        verdicts.property_code_digest.cache_clear()


def test_every_registered_property_names_a_module_with_its_code() -> None:
    from shipshape.properties import REGISTRY

    for prop_id, prop in REGISTRY.items():
        assert (verdicts.PACKAGE / "properties" / f"{prop.module}.py").is_file(), prop_id
        assert prop.module == prop_id.replace("-", "_"), prop_id


def test_the_store_round_trips_and_ignores_a_torn_file(tmp_path: Path) -> None:
    store = VerdictStore(tmp_path, "run-1")
    store.put("ab" * 32, "1.2s of 10s", {"seconds": 1.2}, "t/a/3.15/linux/amd64")
    stored = store.get("ab" * 32)
    assert stored and (stored.value, stored.numbers) == ("1.2s of 10s", {"seconds": 1.2})
    assert (stored.run, stored.target) == ("run-1", "t/a/3.15/linux/amd64")
    assert not list(tmp_path.rglob("*.tmp"))
    (tmp_path / "cd").mkdir()
    (tmp_path / "cd" / f"{'cd' * 32}.json").write_text('{"value": ')  # a killed writer
    assert store.get("cd" * 32) is None
    # A verdict stored before runs were recorded is checked again, never guessed.
    (tmp_path / "ef").mkdir()
    old = '{"value": "ok", "numbers": {}, "measured_at": "2026-12-01T00:00:00+00:00"}'
    (tmp_path / "ef" / f"{'ef' * 32}.json").write_text(old)
    assert store.get("ef" * 32) is None


def test_a_fresh_run_takes_only_its_own_runs_verdicts(tmp_path: Path) -> None:
    VerdictStore(tmp_path, "earlier").put("ab" * 32, "ok", {}, "t/a/3.15/linux/amd64")
    fresh = VerdictStore(tmp_path, "now", earlier_runs=False)
    assert fresh.get("ab" * 32) is None
    assert VerdictStore(tmp_path, "now").get("ab" * 32) is not None  # a run that reuses
    fresh.put("ab" * 32, "ok again", {}, "u/a/3.15/linux/amd64")
    stored = fresh.get("ab" * 32)
    assert stored and (stored.value, stored.run) == ("ok again", "now")


def test_a_fresh_run_shares_its_gates_verdicts_and_no_earlier_gates(tmp_path: Path) -> None:
    """The suite's child runs (mutants, corpus) share what the suite checked, in this gate only."""
    key = "ab" * 32
    VerdictStore(tmp_path, "suite", earlier_runs=False, gate="suite").put(key, "ok", {}, "t")
    child = VerdictStore(tmp_path, "child", earlier_runs=False, gate="suite")
    stored = child.get(key)
    assert stored and (stored.run, stored.gate) == ("suite", "suite")
    next_gate = VerdictStore(tmp_path, "next-ci-run", earlier_runs=False, gate="next-ci-run")
    assert next_gate.get(key) is None
    child.put(key, "ok again", {}, "u")  # stored by the child: still the suite's gate
    again = VerdictStore(tmp_path, "sibling", earlier_runs=False, gate="suite").get(key)
    assert again and (again.run, again.gate) == ("child", "suite")


def test_the_outermost_run_exports_its_gate_and_an_inner_one_keeps_it() -> None:
    outer, inner = RunIdentity.new(), RunIdentity.new()
    environ: dict[str, str] = {}
    undo = export_gate(outer, False, environ)
    assert environ == {GATE_VARIABLE: outer.run_id}
    undo_inner = export_gate(inner, False, environ)  # a child run inherits the gate
    assert environ == {GATE_VARIABLE: outer.run_id}
    undo_inner()
    assert environ == {GATE_VARIABLE: outer.run_id}
    undo()
    assert environ == {}


def test_a_fresh_run_has_its_child_runs_check_afresh_too() -> None:
    """`pytest --shipshape-fresh`: the mutants' child run must not reuse an earlier gate's."""
    environ: dict[str, str] = {}
    undo = export_gate(RunIdentity.new(), True, environ)
    assert environ[FRESH_VARIABLE] == "1"
    undo()
    assert environ == {}
    set_by_ci = {FRESH_VARIABLE: "1"}
    export_gate(RunIdentity.new(), True, set_by_ci)()
    assert set_by_ci == {FRESH_VARIABLE: "1"}  # what was there before stays


def test_a_claim_makes_the_second_checker_wait_and_find_the_verdict(tmp_path: Path) -> None:
    """Two xdist workers with one fingerprint: one checks, the other takes its verdict."""
    store = VerdictStore(tmp_path, "run", earlier_runs=False)
    key = "ab" * 32
    checks: list[str] = []
    first_holds = threading.Event()

    def worker(name: str) -> str | None:
        with store.claim(key):
            first_holds.set()
            if stored := store.get(key):
                return stored.target
            time.sleep(0.3)  # the check
            checks.append(name)
            store.put(key, "ok", {}, name)
            return None

    with ThreadPoolExecutor(2) as pool:
        first = pool.submit(worker, "one")
        first_holds.wait(5)
        second = pool.submit(worker, "two")
        assert (first.result(), second.result()) == (None, "one")
    assert checks == ["one"]


INSPECT = {
    "Id": "sha256:one",
    "RepoTags": ["shipshape/one-web:py3.15-amd64-0123456789ab"],
    "Created": "2026-12-01T23:10:32Z",
    "Architecture": "amd64",
    "Os": "linux",
    "Config": {
        "Env": ["PATH=/app/.venv/bin:/usr/bin"],
        "User": "10001:10001",
        "Labels": {"org.opencontainers.image.version": "1.0.0", "shipshape.target": "one/web"},
    },
    "RootFS": {"Type": "layers", "Layers": ["sha256:base", "sha256:venv"]},
}
HISTORY = [{"Id": "sha256:one", "Tags": ["shipshape/one-web"], "CreatedBy": "COPY /app/.venv"}]


def test_an_images_content_leaves_out_its_names_and_the_harness_labels() -> None:
    """Two targets' identical builds differ by id, tags and shipshape.* labels only."""
    content = image_content(INSPECT, HISTORY)
    twin = {
        **INSPECT,
        "Id": "sha256:two",
        "RepoTags": ["shipshape/two-web:py3.15-amd64-0123456789ab"],
        "Config": {
            **INSPECT["Config"],
            "Labels": {**INSPECT["Config"]["Labels"], "shipshape.target": "two/web"},
        },
    }
    twin_history = [{**HISTORY[0], "Id": "sha256:two", "Tags": ["shipshape/two-web"]}]
    assert image_content(twin, twin_history) == content
    # Anything else a check could read is content: a label, the user, a layer, a step.
    labelled = {**INSPECT["Config"]["Labels"], "org.opencontainers.image.version": "2"}
    for other, history in (
        ({**INSPECT, "Config": {**INSPECT["Config"], "Labels": labelled}}, HISTORY),
        ({**INSPECT, "Config": {**INSPECT["Config"], "User": "0:0"}}, HISTORY),
        ({**INSPECT, "RootFS": {"Type": "layers", "Layers": ["sha256:base"]}}, HISTORY),
        ({**INSPECT, "Created": "2026-12-02T00:00:00Z"}, HISTORY),
        (INSPECT, [{**HISTORY[0], "CreatedBy": "COPY /app /app"}]),
    ):
        assert image_content(other, history) != content


# ----------------------------------- what of the target a fingerprint holds


def target_fingerprint(manifest_text: str, variant: str, tmp_path: Path) -> str:
    (tmp_path / "app").mkdir(exist_ok=True)
    for lock in ("uv.lock", "requirements.txt"):
        (tmp_path / "app" / lock).write_text("")
    (tmp_path / "Dockerfile").write_text("FROM python:3.15-slim\n")
    path = tmp_path / "shipshape.yaml"
    path.write_text(manifest_text)
    targets, _ = expand_targets(load_manifest(path, PARAMS), Selection(), "linux/amd64")
    (target,) = [t for t in targets if t.variant.name == variant]
    options = BuildOptions(cache_dir=tmp_path / "cache", bases=parse_bases(""))
    subject = Subject(target, fake_client({}), options, RunIdentity.new())
    subject._plan = SimpleNamespace(digest="plan")  # one plan: the same image
    subject._built = SimpleNamespace(ok=False)  # no image to read: the same "not built"
    return subject.fingerprint("healthy", Healthy(), code="healthy")


TWO_VARIANTS = """apps:
  web: {path: app}
  api: {path: app%s}
variants:
  one: {dockerfile: Dockerfile, apps: [web], properties: {healthy: {}%s}}
  two: {dockerfile: Dockerfile, apps: [api], properties: {healthy: {}}}
"""


def test_a_targets_name_is_no_input_what_it_reads_is(tmp_path: Path) -> None:
    """Two targets of one plan that differ only by their names get one verdict."""
    same = TWO_VARIANTS % ("", "")
    one = target_fingerprint(same, "one", tmp_path)
    assert one == target_fingerprint(same, "two", tmp_path)
    # Another lock file, or another port the subject probes: another verdict.
    lockfile = TWO_VARIANTS % (", lockfile: requirements.txt", "")
    assert target_fingerprint(lockfile, "one", tmp_path) != target_fingerprint(
        lockfile, "two", tmp_path
    )
    port = TWO_VARIANTS % ("", ", listen: {port: 9000}")
    assert target_fingerprint(port, "one", tmp_path) != target_fingerprint(port, "two", tmp_path)


ONE_TEMPLATE_TWO_APPS = """apps:
  web: {path: app, lockfile: uv.lock}
  api: {path: app, lockfile: requirements.txt}
variants:
  one: {dockerfile: Dockerfile, apps: [web, api], properties: {healthy: {}, lint: {}}}
"""


def test_a_verdict_on_files_alone_holds_for_every_app_of_its_template(tmp_path: Path) -> None:
    """lint reads the Dockerfile's text: not the app, its plan or its image."""
    (tmp_path / "app").mkdir()
    for lock in ("uv.lock", "requirements.txt"):
        (tmp_path / "app" / lock).write_text("")
    dockerfile = tmp_path / "Dockerfile"
    dockerfile.write_text("FROM python:3.15-slim\n")
    path = tmp_path / "shipshape.yaml"
    path.write_text(ONE_TEMPLATE_TWO_APPS)
    targets, _ = expand_targets(load_manifest(path, PARAMS), Selection(), "linux/amd64")
    options = BuildOptions(cache_dir=tmp_path / "cache", bases=parse_bases(""))

    def fingerprints() -> list[tuple[str, str]]:
        found = []
        for number, target in enumerate(targets):
            subject = Subject(target, fake_client({}), options, RunIdentity.new())
            subject._plan = SimpleNamespace(digest=f"plan of app {number}")
            subject._built = SimpleNamespace(ok=False)
            lint = subject.fingerprint("lint", Lint(), code="lint", reads=Reads.FILES)
            found.append((lint, subject.fingerprint("healthy", Healthy(), code="healthy")))
        return found

    (web_lint, web_healthy), (api_lint, api_healthy) = fingerprints()
    assert web_lint == api_lint  # one template: one lint verdict
    assert web_healthy != api_healthy  # two plans and lock files: two
    dockerfile.write_text("FROM python:3.15-slim\nUSER 10001\n")
    (edited_lint, _), _ = fingerprints()
    assert edited_lint != web_lint  # the Dockerfile's text is its input


def _literal_params_reads(path: Path) -> tuple[set[str], int]:
    """The property ids `path` reads with `.params("id")`, and its calls with another argument."""
    literal, other = set(), 0
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        is_call = isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
        if is_call and node.func.attr == "params" and node.args:
            argument = node.args[0]
            if isinstance(argument, ast.Constant) and isinstance(argument.value, str):
                literal.add(argument.value)
            else:
                other += 1
    return literal, other


def test_every_setting_a_check_reads_across_properties_is_a_fingerprint_input() -> None:
    """A property gets its own settings as an argument; another's, only via subject.params."""
    read: set[str] = set()
    for path in [verdicts.PACKAGE / "subject.py", *(verdicts.PACKAGE / "properties").glob("*.py")]:
        literal, other = _literal_params_reads(path)
        read |= literal
        # target_inputs' own loop over SETTINGS_READ_ACROSS is the one non-literal read.
        assert other == (1 if path.name == "subject.py" else 0), path.name
    assert read == set(SETTINGS_READ_ACROSS)


# ------------------------------------------- the stack's bases are inputs too


REPO = Path(__file__).resolve().parents[2]


def stack_fingerprint(prop: str, params: object, ids: dict[str, str], bases: str) -> str:
    manifest = load_manifest(REPO / "shipshape.yaml", PARAMS)
    targets, _ = expand_targets(manifest, Selection(), "linux/amd64")
    (target,) = [t for t in targets if t.variant.name == "stack"]
    options = BuildOptions(cache_dir=REPO / ".shipshape", bases=parse_bases(bases))
    subject = Subject(target, fake_client(ids), options, RunIdentity.new())
    subject._plan = SimpleNamespace(digest="plan")  # the build plan is not the point here
    subject._built = SimpleNamespace(ok=False)  # nor the image
    return subject.fingerprint(prop, params, code=prop.replace("-", "_"))


STAND_INS = "postgres:16=local/pg:17\nredis:7=local/redis:7\n"
IDS = {"local/pg:17": "sha256:aa", "local/redis:7": "sha256:bb"}


def test_a_rebuilt_or_other_stack_base_rechecks_the_stack_verdicts() -> None:
    params = ComposeHealthy()
    before = stack_fingerprint("compose-healthy", params, IDS, STAND_INS)
    assert before == stack_fingerprint("compose-healthy", params, dict(IDS), STAND_INS)
    rebuilt = {**IDS, "local/pg:17": "sha256:cc"}
    assert before != stack_fingerprint("compose-healthy", params, rebuilt, STAND_INS)
    other = STAND_INS.replace("local/redis:7", "mirror/redis:7")
    assert before != stack_fingerprint(
        "compose-healthy", params, {**IDS, "mirror/redis:7": "sha256:bb"}, other
    )
    assert before != stack_fingerprint("compose-healthy", params, {}, STAND_INS)  # absent


def test_a_stack_base_is_no_input_of_a_verdict_about_the_image_alone() -> None:
    rebuilt = {**IDS, "local/pg:17": "sha256:cc"}
    assert stack_fingerprint("hardened", Hardened(), IDS, STAND_INS) == stack_fingerprint(
        "hardened", Hardened(), rebuilt, STAND_INS
    )
