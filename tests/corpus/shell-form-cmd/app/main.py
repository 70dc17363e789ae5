from fastapi import FastAPI

app = FastAPI()


@app.get("/")
def index():
    return {"ok": True}


@app.get("/health")
def health():
    return {"status": "ok"}
