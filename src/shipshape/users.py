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


def _entry(text: str | None, name: str) -> list[str] | None:
    for line in (text or "").splitlines():
        fields = line.split(":")
        if fields and fields[0] == name:
            return fields
    return None


def resolve_user(spec: str, read_file: ReadFile) -> ImageUser:
    """The uid and gid behind a USER value; passwd files are read only when needed."""
    if not spec:
        return ImageUser("", 0, 0)
    user, _, group = spec.partition(":")
    passwd: str | None = None
    if user.isdigit():
        uid: int | None = int(user)
        primary_gid: int | None = None
    else:
        passwd = read_file("/etc/passwd")
        fields = _entry(passwd, user)
        uid = int(fields[2]) if fields and len(fields) > 3 else None
        primary_gid = int(fields[3]) if fields and len(fields) > 3 else None
    if uid is None:
        return ImageUser(spec, None, None)
    if group.isdigit():
        gid: int | None = int(group)
    elif group:
        fields = _entry(read_file("/etc/group"), group)
        gid = int(fields[2]) if fields and len(fields) > 2 else None
    elif primary_gid is not None:
        gid = primary_gid
    else:
        # `USER 1000` alone: the engine takes the passwd entry's group, else 0.
        passwd = passwd if passwd is not None else read_file("/etc/passwd")
        by_uid = next(
            (
                f
                for line in (passwd or "").splitlines()
                if len(f := line.split(":")) > 3 and f[2] == str(uid)
            ),
            None,
        )
        gid = int(by_uid[3]) if by_uid else 0
    return ImageUser(spec, uid, gid)
