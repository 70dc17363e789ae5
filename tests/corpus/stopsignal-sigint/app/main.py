"""Job runner API.

The export jobs must never be cut off half-way, so once the app has started
it ignores SIGTERM (which orchestrators send first). Operators stop it with
SIGINT instead -- see STOPSIGNAL in the Dockerfile -- which uvicorn handles as
a normal graceful shutdown.
"""

import logging
import signal
from contextlib import asynccontextmanager

from fastapi import FastAPI

log = logging.getLogger("uvicorn.error")


@asynccontextmanager
async def lifespan(app: FastAPI):
    # uvicorn has installed its own SIGINT/SIGTERM handlers by the time the
    # lifespan starts; replace the SIGTERM one.
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    log.info("SIGTERM is ignored from now on; stop with SIGINT")
    yield
    log.info("shutting down")


app = FastAPI(title="jobs", lifespan=lifespan)


@app.get("/")
async def root():
    return {"jobs": 0}


@app.get("/health")
async def health():
    return {"status": "ok"}
