import asyncio
import os

from fastapi import APIRouter, Query

router = APIRouter()


@router.get("/health")
async def health() -> dict[str, str]:
    return {"status": "ok"}


@router.get("/livez")
async def livez() -> dict[str, str]:
    """Liveness: the process is up and serving. Touches no backend, so an
    outage never makes Kubernetes restart a healthy process."""
    return {"status": "alive"}


@router.get("/")
async def root() -> dict[str, object]:
    return {"app": "srclayout", "pid": os.getpid()}


@router.get("/slow")
async def slow(seconds: float = Query(2.0, ge=0, le=30)) -> dict[str, float]:
    await asyncio.sleep(seconds)
    return {"slept": seconds}
