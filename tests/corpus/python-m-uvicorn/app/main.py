from fastapi import FastAPI

app = FastAPI(title="users")

USERS = {1: "ada", 2: "linus"}


@app.get("/")
def root():
    return {"count": len(USERS)}


@app.get("/users/{user_id}")
def get_user(user_id: int):
    return {"id": user_id, "name": USERS.get(user_id)}


@app.get("/health")
def health():
    return {"status": "ok"}
