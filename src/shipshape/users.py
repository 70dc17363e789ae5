"""Who an image runs as: its USER instruction, resolved the way the engine does.

`USER app` is resolved through the image's own /etc/passwd (and /etc/group),
`USER 1000` or `USER 1000:1000` are numbers already, and no USER is root.
Properties that act "as the app" run as this user; only `user` judges
whether it is the expected one.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

ReadFile = Callable[[str], str | None]


@dataclass(frozen=True)
class ImageUser:
    spec: str  # as the image states it ("" = not set, i.e. root)
    uid: int | None  # None: a name the image's /etc/passwd does not know
    gid: int | None

    @property
    def is_root(self) -> bool:
        return self.uid == 0

    @property
    def numeric(self) -> bool:
        return all(part.isdigit() for part in self.spec.split(":")) if self.spec else False

    def describe(self) -> str:
        ids = f"{self.uid}:{self.gid}" if self.uid is not None else "unknown uid"
        if not self.spec:
            return "root (no USER)"
        return self.spec if self.numeric and ":" in self.spec else f"{self.spec} ({ids})"


def _entry(text: str | None, value: str, *, column: int = 0, width: int) -> list[str] | None:
    """The first line of a passwd/group file with at least `width` fields whose `column`
    holds `value`, split on `:`."""
    for line in (text or "").splitlines():
        fields = line.split(":")
        if len(fields) >= width and fields[column] == value:
            return fields
    return None


def resolve_user(spec: str, read_file: ReadFile) -> ImageUser:
    """The uid and gid behind a USER value; passwd files are read only when needed."""
    if not spec:
        return ImageUser("", 0, 0)
    user, _, group = spec.partition(":")
    if user.isdigit():
        uid: int | None = int(user)
        primary_gid: int | None = None
    else:
        fields = _entry(read_file("/etc/passwd"), user, width=4)
        uid = int(fields[2]) if fields else None
        primary_gid = int(fields[3]) if fields else None
    if uid is None:
        return ImageUser(spec, None, None)
    if group.isdigit():
        gid: int | None = int(group)
    elif group:
        fields = _entry(read_file("/etc/group"), group, width=3)
        gid = int(fields[2]) if fields else None
    elif primary_gid is not None:
        gid = primary_gid
    else:
        # `USER 1000` alone: the engine takes the passwd entry's group, else 0.
        by_uid = _entry(read_file("/etc/passwd"), str(uid), column=2, width=4)
        gid = int(by_uid[3]) if by_uid else 0
    return ImageUser(spec, uid, gid)
