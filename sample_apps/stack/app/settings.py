"""Connection settings come from the environment (Compose sets them).

The database password is read from a file (a Compose or Kubernetes secret
mounted at POSTGRES_PASSWORD_FILE), never from a variable that `docker
inspect` shows, and URL-escaped into DATABASE_URL: a password holding `@`,
`/`, `:` or `%` must not change where the URL points.
"""

import os
from collections.abc import Mapping
from pathlib import Path
from urllib.parse import quote


def database_url(env: Mapping[str, str] = os.environ) -> str:
    """DATABASE_URL when given whole, else built from its parts, each escaped."""
    if env.get("DATABASE_URL"):
        return env["DATABASE_URL"]
    password_file = env.get("POSTGRES_PASSWORD_FILE")
    password = Path(password_file).read_text().strip("\r\n") if password_file else ""
    user = quote(env.get("POSTGRES_USER", "app"), safe="")
    auth = f"{user}:{quote(password, safe='')}" if password else user
    host = env.get("POSTGRES_HOST", "localhost")
    port = env.get("POSTGRES_PORT", "5432")
    database = quote(env.get("POSTGRES_DB", "app"), safe="")
    return f"postgresql://{auth}@{host}:{port}/{database}"


DATABASE_URL = database_url()
REDIS_URL = os.environ.get("REDIS_URL", "redis://localhost:6379/0")
CACHE_TTL_S = int(os.environ.get("CACHE_TTL_S", "300"))
