from fastapi import FastAPI

app = FastAPI(title="pricing")


@app.get("/")
def root() -> dict:
    return {"service": "pricing", "currency": "EUR"}


@app.get("/health")
def health() -> dict:
    return {"status": "ok"}
