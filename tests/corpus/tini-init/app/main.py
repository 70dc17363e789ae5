from fastapi import FastAPI

app = FastAPI()


@app.get("/")
def root():
    return {"message": "tini says hi"}


@app.get("/health")
def health():
    return {"status": "ok"}
