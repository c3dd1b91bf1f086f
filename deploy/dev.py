#!/usr/bin/env python3
"""Set up and run the project on a fresh machine that has only Python 3.11.

    python3 deploy/dev.py demo   # build a demo consortium and serve it on http://127.0.0.1:8000
    python3 deploy/dev.py test   # run ruff, the layer check and the test suite

Each creates ``.venv`` (if missing), installs the project with its test extras, and runs. With no
DATABASE_URL the embedded PostgreSQL server under ``var/`` is used. Ctrl-C or SIGTERM stops
everything started here, the embedded database server included.
"""

from __future__ import annotations

import hashlib
import os
import signal
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENV = ROOT / ".venv"
PY = VENV / "bin" / "python"


STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)
stopping: int | None = None  # the signal that asked us to stop, once one has


def run(*cmd: str, **kwargs) -> int:
    """Run a command in its own process group, passing Ctrl-C and SIGTERM on to all of it.

    The group reaches whatever the command starts (a server and its threads, a test run), and
    each of them then shuts down in its own way; the embedded database server stops itself when
    the last process using it exits. A negative return value is the signal that ended the child.
    """
    if stopping is not None:
        return 128 + stopping
    print("+", " ".join(cmd), flush=True)
    children: list[subprocess.Popen] = []

    def forward(signum, frame):
        global stopping
        stopping = signum
        for child in children:
            try:
                os.killpg(child.pid, signum)
            except ProcessLookupError:
                pass  # the group is gone already

    previous = {signum: signal.signal(signum, forward) for signum in STOP_SIGNALS}
    try:
        children.append(subprocess.Popen(list(cmd), cwd=ROOT, process_group=0, **kwargs))
        if stopping is not None:  # the signal came while the child was being started
            forward(stopping, None)
        return children[0].wait()
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)


def ensure_venv() -> None:
    if sys.version_info < (3, 11):  # noqa: UP036 - this script may be started by an older Python
        sys.exit("Python 3.11 or newer is needed.")
    if not PY.exists():
        venv.EnvBuilder(with_pip=True).create(VENV)
    stamp = VENV / ".installed"
    digest = hashlib.sha256((ROOT / "pyproject.toml").read_bytes()).hexdigest()
    if stamp.exists() and stamp.read_text() == digest:
        return
    if run(str(PY), "-m", "pip", "install", "-q", "--upgrade", "pip") != 0:
        sys.exit("pip upgrade failed")
    if run(str(PY), "-m", "pip", "install", "-q", "-e", ".[test]") != 0:
        sys.exit("installing the project failed")
    stamp.write_text(digest)


def demo(args: list[str]) -> int:
    env = dict(os.environ, DEBUG=os.environ.get("DEBUG", "true"), UNIONCAT_DEMO="1")
    if run(str(PY), "manage.py", "upgrade", env=env) != 0:
        return 1
    return run(str(PY), "manage.py", "demo", *args, env=env)


def test(args: list[str]) -> int:
    if run(str(PY), "-m", "ruff", "check", ".") != 0:
        return 1
    # The layers of docs/ARCHITECTURE.md: a package never imports one above it.
    if run(str(VENV / "bin" / "lint-imports")) != 0:
        return 1
    # One worker per core (each with its own test database) unless the caller chose otherwise.
    workers = [] if any(a == "-n" or a.startswith(("-n", "--numprocesses")) for a in args) else ["-n", "auto"]
    code = run(str(PY), "-m", "pytest", *workers, *args)
    if code == 5:
        print("no tests ran: that is a failure", file=sys.stderr)
        return 1
    return code


def main() -> int:
    if len(sys.argv) < 2 or sys.argv[1] not in {"demo", "test"}:
        print(__doc__)
        return 2
    ensure_venv()
    command, rest = sys.argv[1], sys.argv[2:]
    code = demo(rest) if command == "demo" else test(rest)
    return 128 + stopping if stopping is not None else code


if __name__ == "__main__":
    sys.exit(main())
