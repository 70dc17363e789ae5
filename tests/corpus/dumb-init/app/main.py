from fastapi import FastAPI

app = FastAPI()


@app.get("/")
async def hello():
    return {"hello": "from dumb-init"}


@app.get("/health")
async def health():
    return {"status": "ok"}
