"""The size chart of the Markdown report: per target, base vs added MB, stacked."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from shipshape.report import Record


def size_rows(records: Sequence[Record]) -> list[tuple[str, float, float]]:
    """(label, base MB, added MB) for every target whose size was measured."""
    rows = []
    for r in records:
        if r.property == "size" and {"base_mb", "added_mb"} <= set(r.numbers):
            label = f"{r.variant}/{r.app}\npy{r.python} {r.platform.rsplit('/', 1)[-1]}"
            rows.append((label, r.numbers["base_mb"], r.numbers["added_mb"]))
    return rows


def write_size_chart(records: Sequence[Record], path: Path) -> bool:
    """Write a PNG of image sizes; False when no size was measured."""
    rows = size_rows(records)
    if not rows:
        return False
    import matplotlib

    matplotlib.use("Agg")  # no display on build machines
    from matplotlib import pyplot

    labels = [label for label, _, _ in rows]
    base = [b for _, b, _ in rows]
    added = [a for _, _, a in rows]
    figure, axes = pyplot.subplots(figsize=(max(6.0, 1.3 * len(rows)), 4.5))
    axes.bar(labels, base, label="base image", color="#9db4c0")
    axes.bar(labels, added, bottom=base, label="added by the template", color="#c2185b")
    for index, (b, a) in enumerate(zip(base, added, strict=True)):
        axes.annotate(f"+{a:.0f}", (index, b + a), ha="center", va="bottom", fontsize=8)
    axes.set_ylabel("MB")
    axes.set_title("Image size per target: base vs added")
    axes.legend()
    pyplot.setp(axes.get_xticklabels(), fontsize=8)
    figure.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path, dpi=110)
    pyplot.close(figure)
    return True
