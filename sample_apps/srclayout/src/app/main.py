"""ASGI entry point `app.main:app`, assembled from the routes package."""

import sys
from pathlib import Path

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from app.routes import health, items

print("shipshape-sample: srclayout app starting", file=sys.stdout)

app = FastAPI(title="srclayout")
app.include_router(health.router)
app.include_router(items.router)
# Served from the installed package: the image must carry these files.
app.mount("/static", StaticFiles(directory=Path(__file__).parent / "static"), name="static")
