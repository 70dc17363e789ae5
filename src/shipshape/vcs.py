"""The revision and date an image's OCI labels carry: the app folder's last commit."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

# What the harness passes when the folder has no commit (labels refuses them).
UNCOMMITTED = {"VCS_REF": "uncommitted", "BUILD_DATE": "1970-01-01T00:00:00Z"}


def vcs_facts(folder: Path) -> dict[str, str]:
    """VCS_REF and BUILD_DATE for the OCI labels: the last commit of the app's folder.

    The app's last commit, not the checkout's HEAD: a commit that changes
    only a template (or another app) leaves this app's labels, and so the
    content-hash tags of the images built from it, as they were. The date is
    the commit's, not the clock's: the same commit builds the same image.
    """
    if not shutil.which("git"):
        return dict(UNCOMMITTED)
    done = subprocess.run(
        ["git", "-C", str(folder), "log", "-1", "--format=%H %cI", "--", "."],
        capture_output=True,
        text=True,
        check=False,
    )
    revision, _, date = done.stdout.strip().partition(" ")
    if done.returncode != 0 or not revision:
        return dict(UNCOMMITTED)
    return {"VCS_REF": revision, "BUILD_DATE": date}
