"""k8s-drain-safe: a drain, a rollout or a node's loss never takes the service down
nor cuts a request.

It reads the Deployment and the objects beside it (never the image):
- a PodDisruptionBudget in the Deployment's namespace selects its pods and
  lets a drain evict at least one pod but not all of them (minAvailable 2
  of 2 blocks every `kubectl drain`; maxUnavailable 2 of 2 protects nothing);
- the pods are spread across nodes (topologySpreadConstraints or
  podAntiAffinity on kubernetes.io/hostname selecting them, with a skew
  below the replica count), so one node takes at most part of them;
- a preStop sleep holds SIGTERM back while endpoints stop routing here;
- terminationGracePeriodSeconds covers the preStop sleep plus the server's
  own stop budget (`sigterm_budget_s`, shipshape's `sigterm` promise):
  the kubelet counts both against the grace period before it SIGKILLs.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from shipshape.errors import PropertyFailed
from shipshape.k8s import NODE_KEY, DrainFacts, load_drain_facts, selects
from shipshape.properties.base import Property
from shipshape.subject import Reads, Subject


@dataclass(frozen=True)
class Params:
    k8s_manifest: Path = Path("dockerfiles/k8s/deployment.yaml")
    # Seconds the server takes to stop after SIGTERM (the `sigterm` budget).
    sigterm_budget_s: float = 5.0


def _budget_gaps(facts: DrainFacts) -> list[str]:
    mine = [
        b
        for b in facts.budgets
        if b.namespace == facts.namespace and selects(b.selector, facts.pod_labels)
    ]
    if not mine:
        others = ", ".join(f"{b.name} (namespace {b.namespace})" for b in facts.budgets)
        return [
            "no PodDisruptionBudget selects the Deployment's pods"
            + (f" in namespace {facts.namespace} (there is {others})" if others else "")
            + ": a drain may evict every replica at once"
        ]
    gaps = []
    for budget in mine:
        allowed = budget.allowed_disruptions(facts.replicas)
        if allowed < 1:
            gaps.append(
                f"PodDisruptionBudget {budget.name} ({budget.describe()}) with {facts.replicas} "
                "replicas lets no pod be evicted: every `kubectl drain` blocks"
            )
        elif allowed >= facts.replicas:
            gaps.append(
                f"PodDisruptionBudget {budget.name} ({budget.describe()}) with {facts.replicas} "
                "replicas lets a drain evict all of them at once"
            )
    return gaps


def _spread_gaps(facts: DrainFacts) -> tuple[list[str], str]:
    across_nodes = [
        s
        for s in facts.spreads
        if s.topology_key == NODE_KEY and s.selector and selects(s.selector, facts.pod_labels)
    ]
    if not across_nodes:
        return [
            "no topologySpreadConstraints or podAntiAffinity on "
            f"{NODE_KEY} selects the pods: all replicas may land on one node"
        ], ""
    spread = across_nodes[0]
    if spread.max_skew is not None and spread.max_skew >= facts.replicas:
        return [
            f"the spread's maxSkew {spread.max_skew} lets all {facts.replicas} replicas "
            "share one node"
        ], ""
    return [], spread.describe()


def drain_gaps(facts: DrainFacts, params: Params) -> tuple[list[str], str]:
    """Every way the manifest lets a drain or rollout drop requests, and what holds."""
    gaps = []
    if facts.replicas < 2:
        gaps.append(f"replicas {facts.replicas}: a drain or a node's loss takes the service down")
    gaps += _budget_gaps(facts)
    spread_gaps, spread = _spread_gaps(facts)
    gaps += spread_gaps
    if facts.pre_stop_kind is None:
        gaps.append(
            "no preStop hook: SIGTERM arrives while endpoints still route requests to the pod"
        )
    elif facts.pre_stop_sleep_s is None:
        gaps.append(
            f"the preStop hook is `{facts.pre_stop_kind}`, not `sleep`: its delay cannot be "
            "read (and an exec hook needs a shell and a sleep binary in the image)"
        )
    elif facts.pre_stop_sleep_s <= 0:
        gaps.append("the preStop sleep is 0 s: SIGTERM arrives with endpoints still routing")
    pre_stop = facts.pre_stop_sleep_s or 0.0
    needed = pre_stop + params.sigterm_budget_s
    if facts.termination_grace_s < needed:
        gaps.append(
            f"terminationGracePeriodSeconds {facts.termination_grace_s} is below the preStop "
            f"sleep {pre_stop:g}s + the {params.sigterm_budget_s:g}s stop budget = {needed:g}s: "
            "the kubelet SIGKILLs requests in flight"
        )
    return gaps, spread


def check(subject: Subject, params: Params) -> str:
    facts = load_drain_facts(params.k8s_manifest)
    gaps, spread = drain_gaps(facts, params)
    if gaps:
        raise PropertyFailed(
            f"k8s-drain-safe: {params.k8s_manifest.name} is not drain-safe:\n  " + "\n  ".join(gaps)
        )
    budget = next(  # the one _budget_gaps accepted
        b
        for b in facts.budgets
        if b.namespace == facts.namespace and selects(b.selector, facts.pod_labels)
    )
    return (
        f"{facts.replicas} replicas, PDB {budget.describe()}, {spread}, "
        f"preStop {facts.pre_stop_sleep_s:g}s + stop {params.sigterm_budget_s:g}s "
        f"<= grace {facts.termination_grace_s}s"
    )


PROPERTY = Property(
    "k8s-drain-safe",
    "drains, rollouts and node loss keep serving: PDB, spread, preStop, grace period",
    Params,
    check,
    reads=Reads.FILES,
)
