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
    """The xdist group an item runs in, named as xdist names it (every
    `xdist_group` mark, joined); an item without one is its own group."""
    names = {
        str(mark.args[0] if mark.args else mark.kwargs.get("name", "default"))
        for mark in item.iter_markers("xdist_group")
    }
    return "_".join(sorted(names)) if names else item.nodeid


def costliest_groups_first(
    items: Sequence[pytest.Item], cost: Callable[[pytest.Item], float]
) -> list[pytest.Item]:
    """`items` with whole groups ordered by their summed cost, highest first.

    Stable: a group's items stay together in their order, groups of equal
    cost keep collection order, so every worker collects the same list.
    """
    groups = [group_of(item) for item in items]
    group_cost: dict[str, float] = defaultdict(float)
    first_seen: dict[str, int] = {}
    for index, (item, group) in enumerate(zip(items, groups, strict=True)):
        group_cost[group] += cost(item)
        first_seen.setdefault(group, index)
    order = sorted(range(len(items)), key=lambda i: (-group_cost[groups[i]], first_seen[groups[i]]))
    return [items[i] for i in order]


def keep_our_order(config: pytest.Config) -> None:
    """Stop xdist re-sorting groups by item count (its `--no-loadscope-reorder`)."""
    if hasattr(config.option, "loadscopereorder"):
        config.option.loadscopereorder = False
