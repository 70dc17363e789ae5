"""Notes: written to PostgreSQL, read through a Redis cache.

`/health` (readiness) reports the app, the database and the cache
separately and answers 503 when either backend is down; `/livez`
(liveness) answers 200 while the process serves, touching no backend, so
an outage never gets the process restarted; connections are re-made on the
next request, so the process never crash-loops while a backend is away.
"""

import asyncio
import json
import sys
from contextlib import asynccontextmanager, suppress

import asyncpg
import redis.asyncio as redis
from fastapi import FastAPI, HTTPException, Query
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from app.settings import CACHE_TTL_S, DATABASE_URL, REDIS_URL

print("shipshape-sample: stack app starting", file=sys.stdout)


class Backends:
    """Lazily (re)connected pool and client: a backend that was down is retried."""

    def __init__(self) -> None:
        self.pool: asyncpg.Pool | None = None
        self.cache = redis.from_url(REDIS_URL, socket_timeout=2, socket_connect_timeout=2)

    async def db(self) -> asyncpg.Pool:
        if self.pool is None:
            self.pool = await asyncpg.create_pool(DATABASE_URL, min_size=1, max_size=5, timeout=3)
        return self.pool

    async def close(self) -> None:
        if self.pool is not None:
            await self.pool.close()
        await self.cache.aclose()


@asynccontextmanager
async def lifespan(app: FastAPI):
    app.state.backends = Backends()
    yield
    await app.state.backends.close()


app = FastAPI(title="stack", lifespan=lifespan)


class NewNote(BaseModel):
    text: str


async def _check(probe) -> str:
    try:
        await asyncio.wait_for(probe(), timeout=3)
        return "ok"
    except Exception as exc:  # any failure is a health answer, never a crash
        return f"error: {type(exc).__name__}"


@app.get("/health")
async def health() -> JSONResponse:
    backends: Backends = app.state.backends

    async def database() -> None:
        pool = await backends.db()
        await pool.fetchval("SELECT 1")

    report = {
        "app": "ok",
        "database": await _check(database),
        "cache": await _check(backends.cache.ping),
    }
    healthy = report["database"] == "ok" and report["cache"] == "ok"
    report["status"] = "ok" if healthy else "degraded"
    return JSONResponse(report, status_code=200 if healthy else 503)


@app.get("/livez")
async def livez() -> dict[str, str]:
    """Alive: the event loop answers. No backend is asked (that is /health's job)."""
    return {"app": "ok"}


@app.get("/")
async def root() -> dict[str, str]:
    return {"app": "stack", "message": "hello"}


@app.post("/notes", status_code=201)
async def create_note(note: NewNote) -> dict[str, object]:
    pool = await app.state.backends.db()
    note_id = await pool.fetchval("INSERT INTO notes (text) VALUES ($1) RETURNING id", note.text)
    return {"id": note_id, "text": note.text}


@app.get("/notes/{note_id}")
async def read_note(note_id: int) -> dict[str, object]:
    backends: Backends = app.state.backends
    key = f"note:{note_id}"
    try:
        cached = await backends.cache.get(key)
    except redis.RedisError:
        cached = None  # the cache is an optimisation, never a dependency of reads
    if cached is not None:
        return {**json.loads(cached), "cache": "hit"}
    pool = await backends.db()
    row = await pool.fetchrow("SELECT id, text FROM notes WHERE id = $1", note_id)
    if row is None:
        raise HTTPException(status_code=404, detail="no such note")
    note = {"id": row["id"], "text": row["text"]}
    with suppress(redis.RedisError):  # a cache that is down only costs the next read
        await backends.cache.set(key, json.dumps(note), ex=CACHE_TTL_S)
    return {**note, "cache": "miss"}


@app.get("/slow")
async def slow(seconds: float = Query(2.0, ge=0, le=30)) -> dict[str, float]:
    await asyncio.sleep(seconds)
    return {"slept": seconds}
