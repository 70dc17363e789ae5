"""The smallest realistic FastAPI service: health, a root route, a slow route.

`/slow` exists so that shipshape can prove graceful shutdown: a request that
is in flight when SIGTERM arrives must still complete.
"""

import asyncio
import logging
import sys

from fastapi import FastAPI, Query

# Printed at import, before the first request: the `env` property checks that
# it reaches `docker logs` at once (PYTHONUNBUFFERED=1).
print("shipshape-sample: minimal app starting", file=sys.stdout)

log = logging.getLogger("uvicorn.error")
app = FastAPI(title="minimal")


@app.get("/health")
async def health() -> dict[str, str]:
    return {"status": "ok"}


@app.get("/livez")
async def livez() -> dict[str, str]:
    """Liveness: the process is up and serving. Touches no backend, so an
    outage never makes Kubernetes restart a healthy process."""
    return {"status": "alive"}


@app.get("/")
async def root() -> dict[str, str]:
    return {"app": "minimal", "message": "hello"}


@app.get("/slow")
async def slow(seconds: float = Query(2.0, ge=0, le=30)) -> dict[str, float]:
    log.info("slow request started (%.1f s)", seconds)
    await asyncio.sleep(seconds)
    return {"slept": seconds}
