"""Readable ids (hrids) for instances, holdings and items: a prefix and a zero-padded number."""

from __future__ import annotations

from django.db import connection

PREFIXES = {"instance": "in", "holdings": "ho", "item": "it"}


def format_hrid(kind: str, number: int) -> str:
    return f"{PREFIXES[kind]}{number:08d}"


def next_hrids(kind: str, count: int) -> list[str]:
    """``count`` new hrids of ``kind`` from a sequence in the current schema."""
    if count <= 0:
        return []
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT nextval('hrid_{kind}_seq') FROM generate_series(1, %s)", [count])
        return [format_hrid(kind, n) for (n,) in cursor.fetchall()]
