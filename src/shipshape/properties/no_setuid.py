"""no-setuid: no setuid or setgid file in the runtime image.

A setuid program (su, passwd, mount in every Debian base) is the classic
way from the app's user to root. `no-new-privileges` blocks it at run time,
but only where the runtime sets it; without the bits there is nothing to
block. The exported filesystem is scanned, so a bit set in any layer counts.
"""

from dataclasses import dataclass

from shipshape.errors import PropertyFailed
from shipshape.properties.base import Property
from shipshape.subject import Entry, Subject

SETUID = 0o4000
SETGID = 0o2000


@dataclass(frozen=True)
class Params:
    # Glob patterns of files that may keep a bit, each with a reason in the manifest.
    allowed_paths: tuple[str, ...] = ()


def _bits(entry: Entry) -> str:
    names = [name for bit, name in ((SETUID, "setuid"), (SETGID, "setgid")) if entry.mode & bit]
    return "+".join(names)


def findings(entries: list[Entry], params: Params) -> list[str]:
    return [
        f"{entry.path} ({_bits(entry)})"
        for entry in entries
        if entry.kind == "file"
        and entry.mode & (SETUID | SETGID)
        and not entry.matches(params.allowed_paths)
    ]


def check(subject: Subject, params: Params) -> str:
    entries = subject.files()
    found = findings(entries, params)
    if found:
        raise PropertyFailed(
            f"no-setuid: {len(found)} setuid/setgid file(s) in the runtime image:\n  "
            + "\n  ".join(found)
        )
    return f"none in {sum(e.kind == 'file' for e in entries)} files"


PROPERTY = Property("no-setuid", "no setuid or setgid file in the runtime image", Params, check)
