"""The remote-engine leg runs only when asked: `.ci/remote-leg` starts the
engine, points DOCKER_HOST at it and sets SHIPSHAPE_REMOTE_LEG."""

import os

collect_ignore_glob = [] if os.environ.get("SHIPSHAPE_REMOTE_LEG") else ["test_*.py"]
