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


@pytest.fixture(scope="session")
def cli() -> str:
    """The `parcae` command-line tool of the same build ($PARCAE_CLI or <root>/build/tools)."""
    path = os.environ.get("PARCAE_CLI", os.path.join(ROOT, "build", "tools", "parcae"))
    if not os.access(path, os.X_OK):
        pytest.skip(f"no parcae CLI at {path} (set PARCAE_CLI)")
    return path


@pytest.fixture(scope="session")
def example_binary():
    """A built C++ example of the same build: <build>/examples/example_NAME, the build found from
    $PARCAE_CLI (<build>/tools/parcae) or <root>/build."""

    def find(name: str) -> str:
        cli = os.environ.get("PARCAE_CLI", os.path.join(ROOT, "build", "tools", "parcae"))
        build = os.path.dirname(os.path.dirname(os.path.abspath(cli)))
        path = os.path.join(build, "examples", "example_" + name)
        if not os.access(path, os.X_OK):
            pytest.skip(f"no example binary at {path} (build the example_{name} target)")
        return path

    return find
