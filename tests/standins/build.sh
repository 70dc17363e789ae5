#!/usr/bin/env bash
# Build the TEST STAND-INS for the official postgres and redis images (no
# registry here) and print the base-substitution lines for them, which the
# harness turns into POSTGRES_IMAGE / REDIS_IMAGE for the Compose stack.
# Always rebuilt: the layer cache makes an unchanged stand-in a no-op, and
# an edited one is never silently kept.
set -euo pipefail
cd "$(dirname "$0")"
build() {  # $1 = tag, $2 = folder
  docker build -q -t "$1" "$2" >/dev/null
  printf '[standins] %s ready\n' "$1" >&2
}
build local/postgres-standin:17 postgres
build local/redis-standin:7 redis
echo "postgres:16=local/postgres-standin:17"
echo "redis:7=local/redis-standin:7"
