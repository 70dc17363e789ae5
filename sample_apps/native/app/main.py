"""FastAPI app whose /fib route runs compiled C (native_ext)."""

import asyncio
import sys

from fastapi import FastAPI, Query
from native_ext import fib

print("shipshape-sample: native app starting", file=sys.stdout)

app = FastAPI(title="native")


@app.get("/health")
async def health() -> dict[str, str]:
    return {"status": "ok"}


@app.get("/livez")
async def livez() -> dict[str, str]:
    """Liveness: the process is up and serving. Touches no backend, so an
    outage never makes Kubernetes restart a healthy process."""
    return {"status": "alive"}


@app.get("/")
async def root() -> dict[str, object]:
    return {"app": "native", "fib_10": fib(10)}


@app.get("/fib")
async def fib_route(n: int = Query(30, ge=0, le=90)) -> dict[str, int]:
    return {"n": n, "fib": fib(n)}


@app.get("/slow")
async def slow(seconds: float = Query(2.0, ge=0, le=30)) -> dict[str, float]:
    await asyncio.sleep(seconds)
    return {"slept": seconds}
