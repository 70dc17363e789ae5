"""The property catalog: one module per property id, registered in report order.

To find the code of a property, open the module named after its id
(`no-build-tools` -> no_build_tools.py).
"""

from shipshape.properties import (
    build,
    cache,
    compose_clean_machine,
    compose_degraded,
    compose_dev,
    compose_durable,
    compose_first_boot,
    compose_healthy,
    compose_isolated,
    env,
    hardened,
    healthy,
    k8s_consistent,
    k8s_drain_safe,
    k8s_outage_safe,
    labels,
    lint,
    listen,
    no_build_tools,
    no_leaks,
    no_package_manager,
    no_root_writes,
    no_setuid,
    no_shell,
    pid1,
    reload,
    reproducible,
    sbom,
    sigterm,
    size,
    user,
    vulnerabilities,
    workers,
)
from shipshape.properties.base import Measured, Property

REGISTRY: dict[str, Property] = {
    p.id: p
    for p in (
        lint.PROPERTY,
        build.PROPERTY,
        user.PROPERTY,
        healthy.PROPERTY,
        listen.PROPERTY,
        pid1.PROPERTY,
        workers.PROPERTY,
        reload.PROPERTY,
        sigterm.PROPERTY,
        no_build_tools.PROPERTY,
        no_setuid.PROPERTY,
        no_shell.PROPERTY,
        no_package_manager.PROPERTY,
        size.PROPERTY,
        no_leaks.PROPERTY,
        no_root_writes.PROPERTY,
        hardened.PROPERTY,
        k8s_consistent.PROPERTY,
        k8s_drain_safe.PROPERTY,
        labels.PROPERTY,
        env.PROPERTY,
        cache.PROPERTY,
        reproducible.PROPERTY,
        compose_healthy.PROPERTY,
        compose_durable.PROPERTY,
        compose_degraded.PROPERTY,
        compose_isolated.PROPERTY,
        compose_dev.PROPERTY,
        compose_clean_machine.PROPERTY,
        compose_first_boot.PROPERTY,
        k8s_outage_safe.PROPERTY,
        vulnerabilities.PROPERTY,
        sbom.PROPERTY,
    )
}

PARAMS: dict[str, type] = {pid: p.params for pid, p in REGISTRY.items()}

__all__ = ["PARAMS", "REGISTRY", "Measured", "Property"]
