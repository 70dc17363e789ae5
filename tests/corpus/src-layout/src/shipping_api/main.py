from fastapi import FastAPI

from shipping_api import __version__

app = FastAPI(title="shipping-api", version=__version__)


@app.get("/")
async def root() -> dict[str, str]:
    return {"service": "shipping-api", "version": __version__}


@app.get("/health")
async def health() -> dict[str, str]:
    return {"status": "ok"}
