"""The one assertion every mutant run makes, wherever its engine runs."""

from __future__ import annotations

from typing import Any


def assert_caught(
    name: str, run: Any, expected: dict[str, str], *, check_exit: bool = True
) -> None:
    """Exactly `expected`'s properties fail, each for its reason; nothing else goes wrong."""
    assert run.records, f"the harness wrote no report:\n{run.output[-3000:]}"
    # A crash or a tool failure is no verdict: it must never stand in for one.
    errors = {r.property: r.message for r in run.records if r.status == "error"}
    assert not errors, f"mutant {name}: harness errors instead of verdicts: {errors}"
    failing = run.failing()
    assert set(failing) == set(expected), (
        f"mutant {name}: expected exactly {sorted(expected)} to fail, got {sorted(failing)}\n"
        + "\n".join(f"--- {p}: {m[:600]}" for p, m in failing.items())
    )
    # The message is the property's own (a PropertyFailed), never a traceback.
    for prop, phrase in expected.items():
        assert phrase in failing[prop], (
            f"{prop} failed, but its message lacks {phrase!r}:\n{failing[prop]}"
        )
    if check_exit:  # a run of many mutants has one exit code, checked on its own
        assert run.exit_code == (1 if expected else 0), (
            f"exit {run.exit_code}:\n{run.output[-2000:]}"
        )
        assert not run.left_behind, f"the run left these behind: {run.left_behind}"
