from fastapi import FastAPI

app = FastAPI(title="auth")


@app.get("/")
async def root():
    return {"service": "auth"}


@app.get("/health")
async def health():
    return {"status": "ok"}
