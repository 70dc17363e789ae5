"""The property report: one record per (target, property), rendered as a
terminal table, JSON for machines and Markdown for people."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

from shipshape.manifest import TargetId

# error: the harness or its environment failed (a tool, the engine, a crash
# in a check): no verdict about the image either way.
STATUSES = ("pass", "fail", "skip", "error")


@dataclass(frozen=True)
class Origin:
    """Where a verdict taken from the verdict store was checked."""

    measured_at: str  # UTC, ISO 8601
    # The target (id) it was checked on in this same run; None: an earlier run.
    shared_from: str | None = None


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
    # A pass taken from the verdict store, its inputs unchanged since
    # `measured_at` (UTC, ISO 8601): `reused` from an earlier run, or
    # `shared_from` another target of this run whose inputs are the same.
    reused: bool = False
    measured_at: str | None = None
    shared_from: str | None = None

    @classmethod
    def of(
        cls,
        target: TargetId,
        prop: str,
        status: str,
        value: str | None,
        message: str,
        numbers: dict[str, float],
        origin: Origin | None = None,
    ) -> Record:
        return cls(
            target.variant, target.app, target.python, target.platform,
            prop, status, value, message, numbers,
            reused=origin is not None and origin.shared_from is None,
            measured_at=origin.measured_at if origin else None,
            shared_from=origin.shared_from if origin else None,
        )  # fmt: skip

    @property
    def target_id(self) -> TargetId:
        return TargetId(self.variant, self.app, self.python, self.platform)

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
        by_target.setdefault(str(record.target_id), {})[record.property] = record
    header = ["target", *columns]
    rows = [
        [target, *(_cell(cells.get(c)) for c in columns)] for target, cells in by_target.items()
    ]
    return header, rows


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


WIDTH = 100
# reused: an earlier run's pass; shared: this run's pass of another target
# with the same inputs (one image listed twice...), checked once.
GLYPHS = {"pass": "✓", "reused": "↺", "shared": "=", "fail": "✗", "skip": "-", "error": "E"}
TAKEN = ("reused", "shared")
NOT_APPLICABLE = "·"
Paint = Callable[[str, str], str]  # (text, status) -> text, coloured or not


def _plain(text: str, status: str) -> str:
    return text


def _fit(line: str, width: int = WIDTH) -> str:
    return line if len(line) <= width else line[: width - 1] + "…"


def _cell_status(record: Record) -> str:
    if record.reused:
        return "reused"
    return "shared" if record.shared_from else record.status


def _matrix(records: Sequence[Record], order: Sequence[str], paint: Paint) -> list[str]:
    """Properties as rows, targets as numbered columns, one glyph per cell."""
    targets = list(dict.fromkeys(str(r.target_id) for r in records))
    cells = {(str(r.target_id), r.property): _cell_status(r) for r in records}
    props = _columns(records, order)
    name_width = max(len(p) for p in props) + 2
    per_block = max(1, (WIDTH - name_width) // 3)
    lines = [f"  [{i}] {target}" for i, target in enumerate(targets, start=1)]
    for start in range(0, len(targets), per_block):
        block = list(enumerate(targets, start=1))[start : start + per_block]
        lines.append("".ljust(name_width) + "".join(f"{i:>3}" for i, _ in block))
        for prop in props:
            glyphs = []
            for _, target in block:
                status = cells.get((target, prop))
                glyph = GLYPHS.get(status, NOT_APPLICABLE) if status else NOT_APPLICABLE
                glyphs.append("  " + paint(glyph, "pass" if status in TAKEN else status or ""))
            lines.append(prop.ljust(name_width) + "".join(glyphs))
    return lines


def summary_lines(
    records: Sequence[Record],
    order: Sequence[str],
    *,
    verbose: bool = False,
    paint: Paint = _plain,
    elapsed_s: float | None = None,
) -> list[str]:
    """The terminal report, within 100 columns: failures first, the matrix, skips, totals.

    Measured values (per target, one line per property) come with `verbose`.
    """
    lines = []
    for status, label in (("fail", "FAIL"), ("error", "ERROR")):
        lines += [paint(_fit(f"{label} {line}"), status) for line in failures(records, status)]
    if lines:
        lines.append("")
    lines += _matrix(records, order, paint)
    legend = ", ".join(f"{glyph} {status}" for status, glyph in GLYPHS.items())
    lines.append(f"  ({legend}, {NOT_APPLICABLE} not applicable)")
    reasons = skip_reasons(records)
    if reasons:
        lines += ["", "skipped:"] + [_fit(f"  {n} x {reason}") for reason, n in reasons]
    if verbose:
        by_target: dict[str, list[Record]] = {}
        for record in records:
            by_target.setdefault(str(record.target_id), []).append(record)
        for target, rows in by_target.items():
            lines += ["", target]
            lines += [_fit(f"  {r.property:<16} {r.status:<5} {_shown(r)}") for r in rows]
    count = totals(records)
    took = f" in {elapsed_s:.0f}s" if elapsed_s is not None else ""
    kinds = Counter(_cell_status(r) for r in records)
    taken = [f"{kinds[kind]} {kind}" for kind in TAKEN if kinds[kind]]
    passed = f"{count['pass']} passed" + (f" ({', '.join(taken)})" if taken else "")
    lines += [
        "",
        f"shipshape: {passed}, {count['fail']} failed, {count['skip']} skipped, "
        f"{count['error']} harness errors over {len({r.target_id for r in records})} "
        f"target(s){took}",
    ]
    return lines


def _shown(record: Record) -> str:
    """A record's value (or first line of its message), and where a shared one was checked."""
    shown = record.value or record.message.partition("\n")[0]
    return f"{shown} (= {record.shared_from})" if record.shared_from else shown


def size_chart(records: Sequence[Record]) -> str | None:
    """A Mermaid bar chart of base and added MB per target, which GitHub renders in Markdown."""
    rows = [
        (f"{r.variant}/{r.app} py{r.python} {r.platform.rsplit('/', 1)[-1]}", r.numbers)
        for r in records
        if r.property == "size" and {"base_mb", "added_mb"} <= set(r.numbers)
    ]
    if not rows:
        return None
    labels = ", ".join(f'"{label}"' for label, _ in rows)
    top = max(n["base_mb"] + n["added_mb"] for _, n in rows)
    return "\n".join(
        [
            "```mermaid",
            "xychart-beta",
            '    title "Image size per target: base and added (MB)"',
            f"    x-axis [{labels}]",
            f'    y-axis "MB" 0 --> {int(top * 1.1) + 1}',
            "    bar [" + ", ".join(f"{n['base_mb']:.0f}" for _, n in rows) + "]",
            "    bar [" + ", ".join(f"{n['added_mb']:.0f}" for _, n in rows) + "]",
            "```",
        ]
    )


def render_markdown(records: Sequence[Record], order: Sequence[str]) -> str:
    """The report for a job summary: totals, the table, failures with their logs, skips, sizes."""
    count = totals(records)
    lines = [
        "# shipshape property report",
        "",
        f"**{count['pass']} passed, {count['fail']} failed, {count['skip']} skipped, "
        f"{count['error']} harness errors** over {len({r.target_id for r in records})} "
        "target(s).",
        "",
        render_markdown_table(records, order),
    ]
    broken = [r for r in records if r.status in ("fail", "error")]
    if broken:
        lines += ["", "## Failures and errors", ""]
        for r in broken:
            first, _, rest = r.message.partition("\n")
            lines += [f"- **`{r.target_id}` :: `{r.property}`** ({r.status}): {first}"]
            if rest.strip():
                lines += ["  <details><summary>log</summary>", "", "  ```", rest, "  ```", "",
                          "  </details>"]  # fmt: skip
    reasons = skip_reasons(records)
    if reasons:
        lines += ["", "## Skips", ""] + [f"- {n} x {reason}" for reason, n in reasons]
    chart = size_chart(records)
    if chart:
        lines += ["", "## Image sizes", "", "Bars: the base image, then what the image adds.", ""]
        lines.append(chart)
    return "\n".join(lines) + "\n"


def write_json(records: Sequence[Record], path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps([r.to_json() for r in records], indent=2) + "\n", encoding="utf-8")


def read_json(path: Path) -> list[Record]:
    return [Record.from_json(item) for item in json.loads(path.read_text(encoding="utf-8"))]


def write_markdown(records: Sequence[Record], order: Sequence[str], path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render_markdown(records, order), encoding="utf-8")
