"""Fast copies of the migrated template schema for new member libraries.

The template's DDL is read once per process with ``pg_dump --schema-only`` (the binary shipped
with the ``pgserver`` package, so it is never older than the server), re-targeted at the new
schema name and run as one script; table rows (the migration history, content types) and
sequence positions are then copied from the template. This is a few round-trips instead of the
catalog walk that a generic PL/pgSQL clone function does, and it runs inside the caller's
transaction, so a failed provisioning leaves nothing behind.
"""

from __future__ import annotations

import importlib.util
import os
import re
import shutil
import subprocess
import threading
from pathlib import Path

from django.db import connection

_lock = threading.Lock()
_ddl_cache: dict[tuple, str] = {}
_SKIP_LINE = re.compile(r"^(SET |SELECT pg_catalog\.set_config|--|\\)")


def pg_dump_binary() -> str | None:
    spec = importlib.util.find_spec("pgserver")  # located, not imported: importing starts nothing but is slow
    if spec and spec.origin:
        bundled = Path(spec.origin).parent / "pginstall" / "bin" / "pg_dump"
        if bundled.exists():
            return str(bundled)
    return shutil.which("pg_dump")


def _template_state(cursor, template: str) -> tuple:
    cursor.execute(f'SELECT count(*), coalesce(max(id), 0) FROM "{template}".django_migrations')
    return (template, *cursor.fetchone())


def _dump_ddl(template: str) -> str:
    binary = pg_dump_binary()
    if binary is None:
        raise RuntimeError("pg_dump is not available")
    db = connection.settings_dict
    env = dict(os.environ, PGPASSWORD=db.get("PASSWORD") or "")
    cmd = [binary, "--schema-only", "--no-owner", "--no-privileges", "--no-comments", f"--schema={template}"]
    if db.get("HOST"):
        cmd += ["-h", db["HOST"]]
    if db.get("PORT"):
        cmd += ["-p", str(db["PORT"])]
    cmd += ["-U", db.get("USER") or "postgres", db["NAME"]]
    out = subprocess.run(cmd, env=env, capture_output=True, text=True, check=True).stdout
    kept = [line for line in out.splitlines() if not _SKIP_LINE.match(line)]
    script = "\n".join(kept)
    script = re.sub(rf"^CREATE SCHEMA {re.escape(template)};$", "", script, flags=re.M)
    return script


def _ddl_for(cursor, template: str) -> str:
    key = _template_state(cursor, template)
    with _lock:
        if key not in _ddl_cache:
            _ddl_cache.clear()
            _ddl_cache[key] = _dump_ddl(template)
        return _ddl_cache[key]


def clone_template(template: str, schema: str) -> None:
    """Create ``schema`` as a copy of ``template`` (structure, rows and sequence positions)."""
    with connection.cursor() as cursor:
        ddl = _ddl_for(cursor, template)
        retargeted = re.sub(rf'(?<![\w"]){re.escape(template)}\.', f'"{schema}".', ddl)
        cursor.execute(f'CREATE SCHEMA "{schema}"')
        cursor.execute(retargeted)
        cursor.execute(
            "SELECT c.relname, c.relkind FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE n.nspname = %s AND c.relkind IN ('r', 'S')",
            [template],
        )
        relations = cursor.fetchall()
        copies = [
            f'INSERT INTO "{schema}"."{name}" SELECT * FROM "{template}"."{name}";'
            for name, kind in relations
            if kind == "r"
        ]
        copies += [
            f"SELECT setval('\"{schema}\".\"{name}\"', last_value, is_called) FROM \"{template}\".\"{name}\";"
            for name, kind in relations
            if kind == "S"
        ]
        if copies:
            cursor.execute("\n".join(copies))
