# The cases are build contexts, not tests: their files are never collected.
collect_ignore_glob = ["*/*"]
