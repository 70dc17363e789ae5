"""The collection tree: a manifest file, one collector per target, one item per property.

A target's collector owns its subject (image and containers) and removes
them when its last property ran. An item runs one property check and turns
its outcome into a record: only a PropertyFailed is a failure of the image;
NotChecked is a counted skip (a failure with --shipshape-strict); anything
else is an error of the harness or its environment.
"""

from __future__ import annotations

from typing import Any

import docker
import docker.errors
import pytest
import requests

from shipshape import engine
from shipshape.errors import ConfigError, HarnessError, NotChecked, PropertyFailed
from shipshape.manifest import Target, TargetId, expand_targets, load_manifest
from shipshape.properties import PARAMS, REGISTRY, Measured
from shipshape.report import Origin, Record
from shipshape.runstate import STATE
from shipshape.subject import Subject
from shipshape.verdicts import Stored, VerdictStore

# Where a property item's record travels (user_properties reach the xdist controller).
RECORD_KEY = "shipshape"


class EngineLost(Exception):
    """The engine stopped answering mid-run: the rest of the run cannot judge anything."""


class ManifestError(Exception):
    """A ConfigError found while collecting; reported as its one line."""


class ManifestFile(pytest.File):
    def collect(self):
        state = self.config.stash[STATE]
        try:
            manifest = load_manifest(self.path, PARAMS)
            targets, unsupported = expand_targets(
                manifest, state.selection(), state.native_platform()
            )
        except ConfigError as exc:
            raise ManifestError(str(exc)) from None
        for target in targets:
            yield TargetGroup.from_parent(
                self, name=str(target.id), target_id=target.id, target=target, unsupported=None
            )
        for missing in unsupported:
            yield TargetGroup.from_parent(
                self,
                name=str(missing.target_id),
                target_id=missing.target_id,
                target=None,
                unsupported=missing.reason,
            )

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException], style=None) -> str:
        if isinstance(excinfo.value, ManifestError):
            return f"shipshape: {excinfo.value}"
        return super().repr_failure(excinfo)


class TargetGroup(pytest.Collector):
    """One target: its properties as items, its containers removed at teardown."""

    def __init__(
        self,
        *,
        target_id: TargetId,
        target: Target | None,
        unsupported: str | None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.target_id = target_id
        self.target = target
        self.unsupported = unsupported
        self._subject: Subject | None = None

    def collect(self):
        if self.target is None:  # a combination the variant does not support
            yield PropertyItem.from_parent(
                self, name="unsupported", prop=None, params=None, skip_reason=self.unsupported
            )
            return
        variant = self.target.variant
        # Run order (the report keeps REGISTRY's): the check that starts the
        # shared container and times its start comes before those observing it.
        in_run_order = sorted(REGISTRY.items(), key=lambda item: not item[1].starts_shared)
        for prop_id, prop in in_run_order:
            wanted = prop.requires_option is None or self.config.getoption(prop.requires_option)
            if prop_id in variant.properties and wanted:
                yield PropertyItem.from_parent(
                    self,
                    name=prop_id,
                    prop=prop,
                    params=variant.properties[prop_id],
                    skip_reason=variant.skip,
                )

    @property
    def subject(self) -> Subject:
        if self._subject is None:
            assert self.target is not None
            self._subject = self.config.stash[STATE].subject(self.target)
        return self._subject

    def teardown(self) -> None:
        if self._subject is not None:
            self._subject.close()


class PropertyItem(pytest.Item):
    def __init__(self, *, prop, params, skip_reason: str | None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.prop = prop
        self.params = params
        self.skip_reason = skip_reason
        self.target_id: TargetId = self.parent.target_id
        self.value: str | None = None
        self.numbers: dict[str, float] = {}
        # Set when the verdict came from the store (an earlier run's, or
        # another target's in this run): when, where and by which run.
        self.stored: Stored | None = None
        # Items of one target run on one xdist worker (--dist loadgroup): they
        # share its image and containers. A check that boots its own stack
        # shares none of them, so it is a group of its own.
        group = f"{self.parent.name}/{prop.id}" if prop.own_stack else self.parent.name
        self.add_marker(pytest.mark.xdist_group(group))

    @property
    def cost(self) -> float:
        """About how long this item takes: a skipped one, nothing."""
        return 0.0 if self.skip_reason else self.prop.cost

    def runtest(self) -> None:
        if self.skip_reason:
            self._skip(self.skip_reason)
        subject = self.parent.subject
        try:
            if self.prop.reusable:
                self._check_or_take_stored(subject, self.config.stash[STATE].verdicts())
            else:
                self._check(subject)
        except NotChecked as exc:
            self._skip(f"not checked: {exc}")
        except (docker.errors.DockerException, requests.exceptions.ConnectionError) as exc:
            if engine.reachable(subject.client):
                raise
            raise EngineLost(f"the Docker engine went away during the run ({exc})") from None

    def _check_or_take_stored(self, subject: Subject, store: VerdictStore) -> None:
        key = subject.fingerprint(
            self.name, self.params, code=self.prop.module, reads=self.prop.reads
        )
        with store.claim(key):
            self.stored = store.get(key)
            if self.stored:
                self.value, self.numbers = self.stored.value, self.stored.numbers
                return
            self._check(subject)
            store.put(key, self.value, self.numbers, str(self.target_id))

    def _check(self, subject: Subject) -> None:
        result = self.prop.check(subject, self.params)
        measured = result if isinstance(result, Measured) else Measured(result)
        self.value, self.numbers = measured.text, dict(measured.numbers)

    def _skip(self, reason: str) -> None:
        if self.config.getoption("--shipshape-strict"):
            raise PropertyFailed(f"strict: would be skipped: {reason}")
        pytest.skip(reason)

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException], style=None) -> str:
        if isinstance(excinfo.value, PropertyFailed | ConfigError):
            message = str(excinfo.value)
            return message if message.startswith(f"{self.name}:") else f"{self.name}: {message}"
        if isinstance(excinfo.value, HarnessError | EngineLost):
            return f"{self.name}: harness error: {excinfo.value}"
        return super().repr_failure(excinfo)

    def reportinfo(self):
        return self.path, None, f"{self.parent.name}::{self.name}"

    def record(self, report: pytest.TestReport, error: BaseException | None) -> Record:
        """The report's record: only a PropertyFailed is a verdict of `fail`.

        Anything else that ends a check (a harness error, a lost engine, a
        crash in the check's own code) is an `error`, never a pass, skip or
        failure of the image; its message is the exception's, not a traceback.
        """
        if report.skipped:
            status = "skip"
            longrepr = report.longrepr
            message = longrepr[2] if isinstance(longrepr, tuple) else str(longrepr)
            message = message.removeprefix("Skipped: ")
        elif report.passed:
            status, message = "pass", ""
        elif isinstance(error, PropertyFailed):
            status, message = "fail", str(error)
        else:
            status = "error"
            message = f"{type(error).__name__}: {error}" if error else str(report.longrepr)
            if not isinstance(error, HarnessError | EngineLost | ConfigError):
                message = f"harness crash in the {self.name} check: {message}"
        return Record.of(
            self.target_id, self.name, status, self.value, message, self.numbers, self.origin()
        )

    def origin(self) -> Origin | None:
        """Where a verdict taken from the store was checked; None when this item checked it."""
        if self.stored is None:
            return None
        this_gate = self.stored.gate == self.config.stash[STATE].identity.gate
        return Origin(self.stored.measured_at, self.stored.target if this_gate else None)
