from fastapi import FastAPI

app = FastAPI(title="billing")


@app.get("/")
async def root():
    return {"service": "billing"}


@app.get("/health")
async def health():
    return {"status": "ok"}
