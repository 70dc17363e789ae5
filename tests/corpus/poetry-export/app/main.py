from fastapi import FastAPI

app = FastAPI(title="accounts")


@app.get("/")
async def root():
    return {"service": "accounts"}


@app.get("/health")
async def health():
    return {"status": "ok"}
