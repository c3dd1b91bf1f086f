"""The embedded PostgreSQL server used when no DATABASE_URL is given.

A new user gets a working database without installing anything: the ``pgserver`` package
ships PostgreSQL binaries and keeps its data under ``var/pgdata`` in the checkout. The server
keeps running between commands so that ``manage.py`` calls stay fast.
"""

from __future__ import annotations

from pathlib import Path

DATABASE_NAME = "unioncat"


def embedded_database_url(base_dir: Path) -> str:
    import pgserver

    data_dir = base_dir / "var" / "pgdata"
    data_dir.parent.mkdir(parents=True, exist_ok=True)
    server = pgserver.get_server(str(data_dir), cleanup_mode=None)
    exists = server.psql(f"SELECT 1 FROM pg_database WHERE datname = '{DATABASE_NAME}';")
    if "(1 row)" not in exists:
        server.psql(f"CREATE DATABASE {DATABASE_NAME};")
    uri = server.get_uri(DATABASE_NAME)
    return uri
