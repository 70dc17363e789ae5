"""no-root-writes: the app's user cannot change what the app runs.

The probe walks the app's folder (the image's WORKDIR, unless the manifest
names paths) and its virtualenv *as the image's own user* (its USER, however
it is spelled) and asks access(2) what that user could write. What it
could write is judged by what the app would run from it:

- fails: a writable directory (a new module or .pth can be dropped in), code
  and native libraries, scripts in bin/, the venv's pyvenv.cfg, and config
  files (.toml, .cfg, .ini, .json, .yaml, .env, .conf);
- a note in the value, not a failure: anything else, e.g. the `.lock` file
  uv leaves world-writable in every virtualenv, or a data file.
"""

import json
import posixpath
from dataclasses import dataclass

from shipshape.errors import PropertyFailed
from shipshape.properties.base import Property
from shipshape.subject import Subject

# Walks the paths and prints (path, is_dir) for what this user could write.
PROBE = """
import json, os, sys
found = []
for top in sys.argv[1:]:
    if not os.path.exists(top):
        found.append([top, "missing"])
        continue
    for folder, dirs, files in os.walk(top):
        found += [[p, "dir" if p == folder else "file"]
                  for p in [folder, *(os.path.join(folder, f) for f in files)]
                  if os.access(p, os.W_OK)]
print(json.dumps(found))
"""
RUN_FROM_SUFFIXES = (".py", ".pyc", ".so", ".pth", ".toml", ".cfg", ".ini", ".json", ".yaml",
                     ".yml", ".env", ".conf", ".sh")  # fmt: skip


@dataclass(frozen=True)
class Params:
    # Folders to probe; empty: the image's WORKDIR and its virtualenv.
    paths: tuple[str, ...] = ()
    # The interpreter that runs the probe (the image's own Python).
    python: str = "python"


def runs_from(path: str, kind: str) -> bool:
    """Whether writing `path` would change what the app runs."""
    if kind == "dir":
        return True
    name = posixpath.basename(path)
    return (
        name.endswith(RUN_FROM_SUFFIXES)
        or "/bin/" in path
        or name == "pyvenv.cfg"
        or "." not in name  # an executable script or a bare module file
    )


def probe_paths(subject: Subject, params: Params) -> tuple[str, ...]:
    if params.paths:
        return params.paths
    workdir = subject.image_config().get("WorkingDir") or ""
    if workdir in ("", "/"):
        raise PropertyFailed(
            "no-root-writes: the image has no WORKDIR and the manifest names no paths: "
            "nothing tells where the app's code is (set no-root-writes.paths)"
        )
    venv = subject.venv()
    return tuple(dict.fromkeys(p for p in (workdir, venv) if p))


def check(subject: Subject, params: Params) -> str:
    user = subject.image_user()
    paths = probe_paths(subject, params)
    container = subject.shared()
    code, output = container.exec(params.python, "-c", PROBE, *paths, user=user.spec)
    if code != 0:
        raise PropertyFailed(
            f"no-root-writes: the probe could not run as {user.describe()} "
            f"(exit {code}): {output[-300:]}"
        )
    found = json.loads(output.strip().splitlines()[-1])
    missing = [path for path, kind in found if kind == "missing"]
    if missing:
        raise PropertyFailed(f"no-root-writes: {', '.join(missing)} does not exist in the image")
    writable = [path for path, kind in found if runs_from(path, kind)]
    notes = [path for path, kind in found if not runs_from(path, kind)]
    who = "root (the image sets no USER)" if not user.spec else user.describe()
    if writable:
        shown = "\n  ".join(writable[:10])
        raise PropertyFailed(
            f"no-root-writes: {len(writable)} path(s) the app runs from under "
            f"{', '.join(paths)} are writable by {who}:\n  {shown}"
        )
    note = f"; writable but not run from: {', '.join(notes[:3])}" if notes else ""
    return f"{', '.join(paths)} read-only for {user.describe()}{note}"


PROPERTY = Property(
    "no-root-writes", "app code and venv not writable by the app user", Params, check
)
