"""The app's own tests: they stay out of the image (.dockerignore, no-leaks)."""

from app.main import app
from fastapi.testclient import TestClient


def test_health() -> None:
    assert TestClient(app).get("/health").json() == {"status": "ok"}


def test_livez() -> None:
    assert TestClient(app).get("/livez").json() == {"status": "alive"}
