"""no-root-writes: the app code and the virtualenv are not writable by the app's user."""

import json
from dataclasses import dataclass

from shipshape.errors import PropertyFailed
from shipshape.properties.base import Property
from shipshape.subject import Subject

# Walks the paths as the app's user and prints what it could write (access(2)).
PROBE = """
import json, os, sys
found = []
for top in sys.argv[1:]:
    for folder, dirs, files in os.walk(top):
        found += [p for p in [folder, *(os.path.join(folder, f) for f in files)]
                  if os.access(p, os.W_OK)]
print(json.dumps(found))
"""


@dataclass(frozen=True)
class Params:
    paths: tuple[str, ...] = ("/app",)
    as_user: str = "10001:10001"
    python: str = "python"


def check(subject: Subject, params: Params) -> str:
    container = subject.shared()
    code, output = container.exec(params.python, "-c", PROBE, *params.paths, user=params.as_user)
    if code != 0:
        raise PropertyFailed(f"no-root-writes: the probe failed (exit {code}): {output[-500:]}")
    writable = json.loads(output.strip().splitlines()[-1])
    if writable:
        shown = "\n  ".join(writable[:10])
        raise PropertyFailed(
            f"no-root-writes: {len(writable)} path(s) under {', '.join(params.paths)} are "
            f"writable by {params.as_user}:\n  {shown}"
        )
    return f"read-only for {params.as_user}"


PROPERTY = Property(
    "no-root-writes", "app code and venv not writable by the app user", Params, check
)
