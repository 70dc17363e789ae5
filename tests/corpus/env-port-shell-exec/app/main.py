import os

from fastapi import FastAPI

app = FastAPI()


@app.get("/")
def root():
    return {"listening_on": os.environ.get("PORT", "8080")}


@app.get("/health")
def health():
    return {"status": "ok"}
