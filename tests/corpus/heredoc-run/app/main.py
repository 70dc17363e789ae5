import json
from pathlib import Path

from fastapi import FastAPI

BUILD_INFO = Path("/app/build-info.json")

app = FastAPI(title="inventory")


@app.get("/")
def root():
    info = json.loads(BUILD_INFO.read_text()) if BUILD_INFO.exists() else {}
    return {"service": "inventory", "build": info}


@app.get("/health")
def health():
    return {"status": "ok"}
