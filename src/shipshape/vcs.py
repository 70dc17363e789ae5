"""The revision and date an image carries: the app folder's last commit.

VCS_REF and BUILD_DATE go into the OCI labels; SOURCE_DATE_EPOCH (the same
commit time, in seconds) is BuildKit's reproducible-build argument: it sets
the image config's and history's dates, and the templates give every file
they write that time.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

# What the harness passes when the folder has no commit (labels refuses them).
UNCOMMITTED = {
    "VCS_REF": "uncommitted",
    "BUILD_DATE": "1970-01-01T00:00:00Z",
    "SOURCE_DATE_EPOCH": "0",
}


def vcs_facts(folder: Path) -> dict[str, str]:
    """VCS_REF, BUILD_DATE and SOURCE_DATE_EPOCH: the last commit of the app's folder.

    The app's last commit, not the checkout's HEAD: a commit that changes
    only a template (or another app) leaves this app's labels, and so the
    content-hash tags of the images built from it, as they were. The date is
    the commit's, not the clock's: the same commit builds the same image.
    """
    if not shutil.which("git"):
        return dict(UNCOMMITTED)
    done = subprocess.run(
        ["git", "-C", str(folder), "log", "-1", "--format=%H %cI %ct", "--", "."],
        capture_output=True,
        text=True,
        check=False,
    )
    fields = done.stdout.split()
    if done.returncode != 0 or len(fields) != 3:
        return dict(UNCOMMITTED)
    revision, date, epoch = fields
    return {"VCS_REF": revision, "BUILD_DATE": date, "SOURCE_DATE_EPOCH": epoch}
