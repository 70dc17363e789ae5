import logging

from fastapi import FastAPI

logger = logging.getLogger(__name__)

app = FastAPI(title="catalog")


@app.get("/")
async def index() -> dict[str, str]:
    return {"service": "catalog", "version": "0.3.1"}


@app.get("/health")
async def health() -> dict[str, str]:
    return {"status": "ok"}
