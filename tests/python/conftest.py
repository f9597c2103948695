"""Shared fixtures: the repository root, the `cajal` binary (built by `cargo test --release`
or `cargo build --release`), and whether optional peers must be present (CI=true)."""

import os
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def need(module: str):
    """Imports an optional module; under CI=true its absence fails the test, else skips it."""
    try:
        return __import__(module)
    except ImportError:
        if os.environ.get("CI") == "true":
            pytest.fail(f"{module} is not installed (CI installs it: .ci/run)")
        pytest.skip(f"{module} is not installed")


@pytest.fixture(scope="session")
def root() -> Path:
    return ROOT


@pytest.fixture(scope="session")
def cli() -> Path:
    exe = ROOT / "target" / "release" / "cajal"
    if not exe.exists():
        cargo = shutil.which("cargo")
        if cargo is None:
            pytest.fail("the cajal binary is not built and cargo is not on PATH")
        subprocess.run([cargo, "build", "--release", "-p", "cajal-cli"], cwd=ROOT, check=True)
    return exe
