"""Minimal FastAPI sample app used by shipshape's acceptance tests."""
