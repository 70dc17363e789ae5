"""workers: the documented number of worker processes are running under PID 1."""

import json
from dataclasses import dataclass

from shipshape.errors import PropertyFailed
from shipshape.properties.base import Property
from shipshape.subject import Subject
from shipshape.waiting import poll

# Lists PID 1's children (ppid 1) from /proc, as the app's user, with their command lines.
PROBE = """
import json, os
children = []
for pid in filter(str.isdigit, os.listdir("/proc")):
    try:
        stat = open(f"/proc/{pid}/stat").read()
        cmd = open(f"/proc/{pid}/cmdline", "rb").read().replace(b"\\0", b" ").decode()
    except OSError:
        continue
    if int(stat.rsplit(")", 1)[1].split()[1]) == 1:
        children.append(cmd.strip())
print(json.dumps(children))
"""
# Workers start after the master answers health checks; give them a moment.
SETTLE_S = 5.0


@dataclass(frozen=True)
class Params:
    count: int = 2
    python: str = "python"


def children(subject: Subject, params: Params) -> list[str]:
    code, output = subject.shared().exec(params.python, "-c", PROBE)
    if code != 0:
        raise PropertyFailed(f"workers: the /proc probe failed (exit {code}): {output[-300:]}")
    return json.loads(output.strip().splitlines()[-1])


def check(subject: Subject, params: Params) -> str:
    def settled() -> list[str] | None:
        found = children(subject, params)
        return found if len(found) == params.count else None

    found = poll(settled, subject.budget(SETTLE_S).seconds, every_s=0.5)
    if found is None:
        found = children(subject, params)
        shown = "\n  ".join(found) or "(none)"
        raise PropertyFailed(
            f"workers: {len(found)} worker process(es) under PID 1, "
            f"expected {params.count}:\n  {shown}"
        )
    return f"{len(found)} workers"


PROPERTY = Property("workers", "the documented number of workers run", Params, check)
