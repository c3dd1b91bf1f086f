from __future__ import annotations

from pathlib import Path

import pytest

DATA = Path(__file__).resolve().parent / "data"
FILES = DATA / "files"
INPUT = DATA / "input"
EXPECT = DATA / "expect"
SHARED = Path(__file__).resolve().parents[2].parent / "shared" / "data"


@pytest.fixture
def data_dir() -> Path:
    return DATA


@pytest.fixture
def cataloguer_a(make_user, library_a):
    from tenants.models import Role

    return make_user("cat_a", Role.CATALOGUER, library=library_a)
