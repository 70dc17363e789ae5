#!/bin/sh
# Like the official image's entrypoint: a bare `redis-server ...` (no config
# file) gets --protected-mode no, or Redis refuses every client from another
# container. Reachable only on the stack's internal network.
set -eu
if [ "${1:-}" = redis-server ]; then
  shift
  set -- redis-server --protected-mode no "$@"
fi
exec "$@"
