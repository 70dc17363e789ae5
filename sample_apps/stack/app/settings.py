"""Connection settings come from the environment (Compose sets them)."""

import os

DATABASE_URL = os.environ.get("DATABASE_URL", "postgresql://app@localhost:5432/app")
REDIS_URL = os.environ.get("REDIS_URL", "redis://localhost:6379/0")
CACHE_TTL_S = int(os.environ.get("CACHE_TTL_S", "300"))
