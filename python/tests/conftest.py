"""Shared paths for the Python tests (run by scripts/test with PYTHONPATH=<build>/python)."""

import os

import pytest

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))


@pytest.fixture(scope="session")
def root() -> str:
    return ROOT


@pytest.fixture(scope="session")
def p3_events() -> str:
    return os.path.join(ROOT, "bench", "traces", "parcae", "p3trace.csv")
