"""The layers of docs/ARCHITECTURE.md hold, and the check really catches an upward import.

``lint-imports`` reads the contracts in pyproject.toml. The second test copies the packages into a
temporary folder, adds one import that points up (the kernel importing the union catalogue) and
expects the same command to fail there.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ["config", "dashboards", "ill", "search", "union", "marc_import", "circulation", "tenants", "core"]
LINT = Path(sys.executable).with_name("lint-imports")


def lint(where: Path) -> subprocess.CompletedProcess:
    if not LINT.exists():
        pytest.fail("import-linter is not installed: it is part of the test extras")
    env = dict(os.environ, PYTHONPATH=str(where))
    return subprocess.run([str(LINT), "--no-cache"], cwd=where, env=env, capture_output=True, text=True, timeout=120)


def copy_tree(tmp_path: Path) -> Path:
    for name in PACKAGES:
        shutil.copytree(ROOT / name, tmp_path / name, ignore=shutil.ignore_patterns("__pycache__", "*.mo", "static"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    return tmp_path


def test_the_code_keeps_its_layers():
    result = lint(ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "BROKEN" not in result.stdout.upper().replace("0 BROKEN", "")


@pytest.mark.parametrize(
    ("module", "line"),
    [
        ("core/text_upward.py", "from union import models  # an upward import: the kernel must not do this\n"),
        ("tenants/upward.py", "def late():\n    import search.tasks  # even inside a function\n"),
        ("marc_import/upward.py", "import circulation  # two siblings that must not know each other\n"),
    ],
)
def test_an_upward_import_fails_the_check(tmp_path, module, line):
    where = copy_tree(tmp_path)
    (where / module).write_text(line, encoding="utf-8")
    result = lint(where)
    assert result.returncode != 0, result.stdout
    assert "BROKEN" in result.stdout.upper()
