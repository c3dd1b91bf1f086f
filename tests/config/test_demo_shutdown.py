"""Ctrl-C or SIGTERM to ``deploy/dev.py demo`` stops everything it started.

The demo is started as the README says, with no DATABASE_URL, so it runs on the embedded
PostgreSQL server (its data in a temporary directory). Once it serves /healthz, one signal goes
to dev.py alone, as a terminal's Ctrl-C or a ``kill`` would send it; afterwards neither the
server process nor the embedded database server may be left running.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import psutil
import pytest

ROOT = Path(__file__).resolve().parents[2]
# Variables that would point the demo at other services than its own embedded ones.
FOREIGN = {"DATABASE_URL", "CELERY_BROKER_URL", "ELASTICSEARCH_URL", "SEARCH_BACKEND", "MEDIA_ROOT"}


@pytest.fixture(scope="module")
def var_dir(shared_embedded_var_dir):
    return shared_embedded_var_dir


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def serves(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return response.status == 200
    except (urllib.error.URLError, OSError):
        return False


def running(proc: psutil.Process) -> bool:
    try:
        return proc.is_running() and proc.status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


def postmaster(pgdata: Path) -> psutil.Process | None:
    try:
        pid = int((pgdata / "postmaster.pid").read_text().split()[0])
        return psutil.Process(pid)
    except (OSError, ValueError, IndexError, psutil.NoSuchProcess):
        return None


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM], ids=["ctrl-c", "sigterm"])
def test_a_signal_to_the_demo_stops_its_server_and_the_embedded_database(var_dir, signum, tmp_path):
    port = free_port()
    env = {k: v for k, v in os.environ.items() if k not in FOREIGN}
    env["UNIONCAT_VAR_DIR"] = str(var_dir)
    log_path = tmp_path / "demo.log"
    started: dict[int, psutil.Process] = {}
    with open(log_path, "w") as log:
        dev = subprocess.Popen(
            [sys.executable, "deploy/dev.py", "demo", "--no-records", "--addr", f"127.0.0.1:{port}"],
            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
            process_group=0,  # away from pytest's group, so the signal reaches dev.py alone
        )
    try:
        # Wait for the server, noting every process started on the way (the database server
        # detaches from the tree, so it is found through its pid file).
        deadline = time.monotonic() + 120
        up = False
        while time.monotonic() < deadline and dev.poll() is None:
            for proc in psutil.Process(dev.pid).children(recursive=True):
                started.setdefault(proc.pid, proc)
            if serves(f"http://127.0.0.1:{port}/healthz"):
                up = True
                break
            time.sleep(0.3)
        assert up, log_path.read_text()
        database = postmaster(var_dir / "pgdata")
        assert database is not None and running(database), "the demo runs on the embedded server"
        for proc in [database, *database.children(recursive=True)]:
            started.setdefault(proc.pid, proc)
        assert any("manage.py" in " ".join(p.cmdline()) for p in started.values() if running(p))

        os.kill(dev.pid, signum)
        assert dev.wait(timeout=30) == 128 + signum, log_path.read_text()

        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and any(running(p) for p in started.values()):
            time.sleep(0.1)
        left = [" ".join(p.cmdline()) or p.name() for p in started.values() if running(p)]
        assert left == [], f"still running after the demo stopped: {left}\n{log_path.read_text()}"
        assert not (var_dir / "pgdata" / "postmaster.pid").exists(), "the database server was stopped cleanly"
        assert not serves(f"http://127.0.0.1:{port}/healthz")
    finally:
        if dev.poll() is None:
            dev.kill()
            dev.wait()
        for proc in started.values():  # leave nothing behind even when the test fails
            if running(proc):
                proc.kill()
