"""The C extension; everything else is in pyproject.toml."""

from setuptools import Extension, setup

setup(ext_modules=[Extension("native_ext._fib", sources=["native_ext/_fib.c"])])
