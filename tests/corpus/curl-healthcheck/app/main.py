from datetime import datetime, timezone

from fastapi import FastAPI

app = FastAPI()


@app.get("/")
def root():
    return {"now": datetime.now(timezone.utc).isoformat()}


@app.get("/health")
def health():
    return {"status": "ok"}
