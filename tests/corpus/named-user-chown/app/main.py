from fastapi import FastAPI

app = FastAPI(title="Notes API")

NOTES = [
    {"id": 1, "text": "buy milk"},
    {"id": 2, "text": "call Bob"},
]


@app.get("/")
def list_notes():
    return NOTES


@app.get("/health")
def health():
    return {"status": "ok"}
