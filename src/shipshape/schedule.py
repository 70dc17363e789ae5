"""The order xdist hands out work in: the costliest groups first.

Under `--dist loadgroup` a worker takes a whole group (a target's properties,
which share its image and containers) at a time. xdist orders groups by how
many items they hold, but a group's items differ a hundredfold in cost: the
stack target's Compose properties, each booting its own stack, took 98 s of
a 215 s `verify`, and xdist started them last, so one worker sat idle for
the last 98 s. Starting the costliest groups first (longest processing time
first) keeps both workers busy to the end. This only orders work: no verdict
depends on it.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence

import pytest


def group_of(item: pytest.Item) -> str:
    """The xdist group an item runs in; an item without one is its own group."""
    marker = item.get_closest_marker("xdist_group")
    if marker is None:
        return item.nodeid
    return str(marker.args[0] if marker.args else marker.kwargs.get("name", "default"))


def costliest_groups_first(
    items: Sequence[pytest.Item], cost: Callable[[pytest.Item], float]
) -> list[pytest.Item]:
    """`items` with whole groups ordered by their summed cost, highest first.

    Stable: a group's items stay together in their order, groups of equal
    cost keep collection order, so every worker collects the same list.
    """
    group_cost: dict[str, float] = defaultdict(float)
    first_seen: dict[str, int] = {}
    for index, item in enumerate(items):
        group = group_of(item)
        group_cost[group] += cost(item)
        first_seen.setdefault(group, index)

    def rank(item: pytest.Item) -> tuple[float, int]:
        group = group_of(item)
        return -group_cost[group], first_seen[group]

    return sorted(items, key=rank)


def keep_our_order(config: pytest.Config) -> None:
    """Stop xdist re-sorting groups by item count (its `--no-loadscope-reorder`)."""
    if hasattr(config.option, "loadscopereorder"):
        config.option.loadscopereorder = False
