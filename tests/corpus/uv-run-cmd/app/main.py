import os

from fastapi import FastAPI

app = FastAPI(title="search")


@app.get("/")
async def root():
    return {"service": "search", "worker_pid": os.getpid()}


@app.get("/health")
async def health():
    return {"status": "ok"}
