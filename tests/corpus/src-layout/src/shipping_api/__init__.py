"""Shipping quotes API."""

__version__ = "0.5.0"
