"""The property report: one record per (target, property), rendered as a
terminal table, JSON for machines and Markdown for people."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

# error: the harness or its environment failed (a tool, the engine, a crash
# in a check): no verdict about the image either way.
STATUSES = ("pass", "fail", "skip", "error")


@dataclass(frozen=True)
class Record:
    variant: str
    app: str
    python: str
    platform: str
    property: str
    status: str  # pass | fail | skip | error
    value: str | None
    message: str
    # Measured numbers (e.g. size_mb, seconds), for charts and benchmarks.
    numbers: dict[str, float] = field(default_factory=dict)

    @property
    def target_id(self) -> str:
        return f"{self.variant}/{self.app}/{self.python}/{self.platform}"

    def to_json(self) -> dict:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict) -> Record:
        return cls(**data)


def _cell(record: Record | None) -> str:
    if record is None:
        return ""
    if record.status == "pass":
        return f"ok {record.value}" if record.value else "ok"
    return {"fail": "FAIL", "error": "ERROR"}.get(record.status, "skip")


def _columns(records: Sequence[Record], order: Sequence[str]) -> list[str]:
    present = {r.property for r in records}
    known = [p for p in order if p in present]
    return known + sorted(present - set(known))


def _grid(records: Sequence[Record], order: Sequence[str]) -> tuple[list[str], list[list[str]]]:
    columns = _columns(records, order)
    by_target: dict[str, dict[str, Record]] = {}
    for record in records:
        by_target.setdefault(record.target_id, {})[record.property] = record
    header = ["target", *columns]
    rows = [
        [target, *(_cell(cells.get(c)) for c in columns)] for target, cells in by_target.items()
    ]
    return header, rows


def render_table(records: Sequence[Record], order: Sequence[str]) -> str:
    """A fixed-width table: one row per target, one column per property."""
    if not records:
        return "(no shipshape properties were checked)"
    header, rows = _grid(records, order)
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
    lines = [
        "  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip()
        for row in [header, *rows]
    ]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def render_markdown_table(records: Sequence[Record], order: Sequence[str]) -> str:
    header, rows = _grid(records, order)
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)


def totals(records: Iterable[Record]) -> Counter[str]:
    return Counter(r.status for r in records)


def skip_reasons(records: Iterable[Record]) -> list[tuple[str, int]]:
    """Each distinct skip reason with how many property checks it skipped."""
    counts = Counter(r.message.splitlines()[0] for r in records if r.status == "skip")
    return counts.most_common()


def failures(records: Iterable[Record], status: str = "fail") -> list[str]:
    return [
        f"{r.target_id}::{r.property}: {r.message.splitlines()[0] if r.message else ''}"
        for r in records
        if r.status == status
    ]


def summary_lines(records: Sequence[Record], order: Sequence[str]) -> list[str]:
    count = totals(records)
    lines = [render_table(records, order), ""]
    lines.append(
        f"shipshape: {count['pass']} passed, {count['fail']} failed, {count['skip']} skipped, "
        f"{count['error']} harness errors over {len({r.target_id for r in records})} target(s)"
    )
    lines += [f"  FAIL {line}" for line in failures(records)]
    lines += [f"  ERROR {line}" for line in failures(records, "error")]
    lines += [f"  skip x{n}: {reason}" for reason, n in skip_reasons(records)]
    return lines


def render_markdown(records: Sequence[Record], order: Sequence[str], chart: str | None) -> str:
    """The report for people: totals, the property table, failures, skips, the size chart."""
    count = totals(records)
    lines = [
        "# shipshape property report",
        "",
        f"**{count['pass']} passed, {count['fail']} failed, {count['skip']} skipped** property "
        f"checks over {len({r.target_id for r in records})} target(s).",
        "",
        render_markdown_table(records, order),
    ]
    if count["fail"]:
        lines += ["", "## Failures", ""]
        for r in records:
            if r.status == "fail":
                lines += [f"### `{r.target_id}` :: `{r.property}`", "", "```", r.message, "```"]
    reasons = skip_reasons(records)
    if reasons:
        lines += ["", "## Skips", ""] + [f"- {n} x {reason}" for reason, n in reasons]
    if chart:
        lines += ["", "## Image sizes", "", f"![image size per target]({chart})"]
    return "\n".join(lines) + "\n"


def write_json(records: Sequence[Record], path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps([r.to_json() for r in records], indent=2) + "\n", encoding="utf-8")


def read_json(path: Path) -> list[Record]:
    return [Record.from_json(item) for item in json.loads(path.read_text(encoding="utf-8"))]
