"""Fixtures of the project shell's tests."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

import pytest


def _reachable_dir() -> Path:
    # Run as root, pgserver starts PostgreSQL as its own unprivileged user, which cannot enter
    # pytest's temporary directories (private to their owner). This one it can.
    path = Path(tempfile.mkdtemp(prefix="unioncat-var-"))
    path.chmod(0o755)
    return path


@pytest.fixture
def embedded_var_dir():
    """An empty var directory for an embedded database server of the test's own."""
    path = _reachable_dir()
    yield path
    shutil.rmtree(path, ignore_errors=True)


@pytest.fixture(scope="module")
def shared_embedded_var_dir():
    """One var directory for a module's tests: only the first pays for creating the database."""
    path = _reachable_dir()
    yield path
    shutil.rmtree(path, ignore_errors=True)
