"""The embedded PostgreSQL server used when no DATABASE_URL is given.

A new user gets a working database without installing anything: the ``pgserver`` package
ships PostgreSQL binaries and keeps its data under ``pgdata`` in the var directory (``var/`` in
the checkout unless UNIONCAT_VAR_DIR says otherwise).

The server lives as long as some process uses it. pgserver counts its users: every process
that opens the server adds its process id to a list in the data directory, and the last one to
leave stops the server. So the demo and a test run can share one server, and whichever ends
last stops it. A process leaves on a normal exit or Ctrl-C (an ``atexit`` hook); SIGTERM and
SIGHUP would kill it before that hook runs, so they are caught here (unless the program has
its own handler) to leave first. A process killed outright stays on the list until the next
process to open the server drops it.
"""

from __future__ import annotations

import atexit
import json
import os
import signal
import threading
from pathlib import Path

DATABASE_NAME = "unioncat"

# pgserver's list of the processes using a server, in its data directory.
_USERS_FILE = ".handle_pids.json"


def embedded_database_url(var_dir: Path) -> str:
    import pgserver

    data_dir = var_dir / "pgdata"
    data_dir.parent.mkdir(parents=True, exist_ok=True)
    _forget_dead_users(data_dir)
    server = pgserver.get_server(str(data_dir), cleanup_mode="stop")
    _leave_before_termination(server)
    exists = server.psql(f"SELECT 1 FROM pg_database WHERE datname = '{DATABASE_NAME}';")
    if "(1 row)" not in exists:
        server.psql(f"CREATE DATABASE {DATABASE_NAME};")
    return server.get_uri(DATABASE_NAME)


def _forget_dead_users(data_dir: Path) -> None:
    """Drop processes that died without leaving (SIGKILL, a crash) from the list of users.

    Otherwise the count never falls to zero again and the server is never stopped.
    """
    import psutil
    from pgserver.postgres_server import PostgresServer

    users_file = data_dir.resolve() / _USERS_FILE
    if not users_file.exists():
        return
    with PostgresServer._lock:
        try:
            pids = json.loads(users_file.read_text())
        except (OSError, ValueError):
            return
        alive = [pid for pid in pids if _is_alive(psutil, pid)]
        if alive != pids:
            users_file.write_text(json.dumps(alive))


def _is_alive(psutil, pid: int) -> bool:
    try:
        return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    except psutil.Error:
        return False


def _leave_before_termination(server) -> None:
    if threading.current_thread() is not threading.main_thread():
        return  # signal handlers can only be set from the main thread

    def leave_and_die(signum, frame):
        atexit.unregister(server._cleanup)
        server.cleanup()  # stops the server if this process was its last user
        # Then die of the signal as the process would have without this handler.
        signal.signal(signum, signal.SIG_DFL)
        os.kill(os.getpid(), signum)

    for signum in (signal.SIGTERM, signal.SIGHUP):
        if signal.getsignal(signum) == signal.SIG_DFL:
            signal.signal(signum, leave_and_die)
