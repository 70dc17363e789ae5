"""A tiny C extension: the app's own native code, compiled at build time."""

from native_ext._fib import fib

__all__ = ["fib"]
