"""`srclayout` console script: run the server (the templates call uvicorn directly)."""

import uvicorn


def main() -> None:
    uvicorn.run("app.main:app", host="0.0.0.0", port=8000)
