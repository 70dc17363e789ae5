"""The app's own tests: they stay out of the image (.dockerignore, no-leaks)."""

from fastapi.testclient import TestClient

from app.main import app


def test_health() -> None:
    assert TestClient(app).get("/health").json() == {"status": "ok"}
