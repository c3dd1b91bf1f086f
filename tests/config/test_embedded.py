"""The embedded database server runs while any process uses it and stops after the last one.

Real processes open it through the settings (no DATABASE_URL), in a temporary data directory.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parents[2]
OPEN_DATABASE = (
    "import django, sys; django.setup(); from django.db import connection; connection.ensure_connection(); "
    "print('ready', flush=True); {then}"
)


def environment(var_dir: Path) -> dict:
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "CELERY_BROKER_URL"}}
    env.update(UNIONCAT_VAR_DIR=str(var_dir), DJANGO_SETTINGS_MODULE="config.settings", DEBUG="true")
    return env


def server_of(pgdata: Path) -> psutil.Process | None:
    try:
        return psutil.Process(int((pgdata / "postmaster.pid").read_text().split()[0]))
    except (OSError, ValueError, psutil.NoSuchProcess):
        return None


def gone(proc: psutil.Process, timeout: float = 15) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if not proc.is_running() or proc.status() == psutil.STATUS_ZOMBIE:
                return True
        except psutil.NoSuchProcess:
            return True
        time.sleep(0.1)
    return False


def test_the_server_outlives_a_second_user_and_stops_with_the_last(embedded_var_dir):
    env = environment(embedded_var_dir)
    pgdata = embedded_var_dir / "pgdata"
    first = subprocess.Popen(
        [sys.executable, "-c", OPEN_DATABASE.format(then="sys.stdin.read()")],
        cwd=ROOT, env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
    )
    server = None
    try:
        assert first.stdout.readline().strip() == "ready"
        server = server_of(pgdata)
        assert server is not None and server.is_running()

        # A process that died without leaving must not keep the server alive forever.
        dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
        users = pgdata / ".handle_pids.json"
        users.write_text(json.dumps([*json.loads(users.read_text()), int(dead.stdout)]))

        second = subprocess.run(
            [sys.executable, "-c", OPEN_DATABASE.format(then="")],
            cwd=ROOT, env=env, capture_output=True, text=True, timeout=60,
        )
        assert second.stdout.strip() == "ready", second.stderr
        assert server.is_running(), "the second user's exit left the first one without its database"

        first.stdin.close()  # the first user exits normally: it was the last one
        assert first.wait(timeout=30) == 0
        assert gone(server), "the last user's exit stopped the server"
        assert not (pgdata / "postmaster.pid").exists()
        assert json.loads(users.read_text()) == []
    finally:
        if first.poll() is None:
            first.kill()
            first.wait()
        if server is not None and not gone(server, timeout=1):
            server.kill()  # leave no server behind even when the test fails
