"""Bulk writes through PostgreSQL's COPY, for the MARC import and the union rebuild.

COPY is several times faster than INSERT for thousands of rows, and an update of many rows goes
the same way: COPY into a temporary table shaped like the target, then one ``UPDATE ... FROM``
(Django's ``bulk_update`` builds a CASE per row and field: seconds for a thousand rows).

Rows come in one of two shapes:

* lines already in COPY text format (tab-separated, ``\\N`` for NULL, each ending in a newline),
  which the MARC import prepares in its worker processes so that writing adds no Python work
  per row: ``copy_lines``, ``update_lines``;
* Python values, adapted by psycopg (``Jsonb`` for JSON, bytes, dates): ``copy_rows``,
  ``update_rows``, and ``update_objects`` for model instances.

Tables are named as in SQL without a schema, so they resolve in the schema the connection is
set to (a library's or the public one).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence

from django.db import connection, transaction
from psycopg.types.json import Jsonb


def _quote(name: str) -> str:
    return connection.ops.quote_name(name)


def _names(columns: Sequence[str]) -> str:
    return ", ".join(_quote(c) for c in columns)


def copy_lines(table: str, columns: Sequence[str], lines: Sequence[str]) -> None:
    """COPY prepared text-format ``lines`` into ``table``'s ``columns``."""
    if not lines:
        return
    with connection.cursor() as cursor:
        with cursor.cursor.copy(f"COPY {_quote(table)} ({_names(columns)}) FROM STDIN") as copy:
            copy.write("".join(lines))


def copy_rows(table: str, columns: Sequence[str], rows: Iterable[Sequence]) -> None:
    """COPY ``rows`` of Python values (any iterable, consumed once) into ``table``'s ``columns``."""
    with connection.cursor() as cursor:
        with cursor.cursor.copy(f"COPY {_quote(table)} ({_names(columns)}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)


def _update(table: str, columns: Sequence[str], keep: Iterable[str], write: Callable) -> int:
    key, names = _quote(columns[0]), _names(columns)
    # Qualified with pg_temp, so a dropped leftover can only ever be a temporary table.
    temp = f"pg_temp.{_quote(f'copy_update_{table}')}"
    assignments = ", ".join(f"{_quote(c)} = s.{_quote(c)}" for c in columns[1:] if c not in set(keep))
    # ON COMMIT DROP needs a transaction around the statements; inside one this costs nothing.
    with transaction.atomic(savepoint=False), connection.cursor() as cursor:
        # The same table may be updated twice in one transaction (the import's later passes).
        cursor.execute(f"DROP TABLE IF EXISTS {temp}")
        cursor.execute(f"CREATE TEMPORARY TABLE {temp} ON COMMIT DROP AS SELECT {names} FROM {_quote(table)} WITH NO DATA")
        with cursor.cursor.copy(f"COPY {temp} ({names}) FROM STDIN") as copy:
            write(copy)
        cursor.execute(f"UPDATE {_quote(table)} t SET {assignments} FROM {temp} s WHERE t.{key} = s.{key}")
        return cursor.rowcount


def update_lines(table: str, columns: Sequence[str], lines: Sequence[str], *, keep: Iterable[str] = ()) -> int:
    """Set ``columns[1:]`` (except those in ``keep``) of the ``table`` rows whose ``columns[0]``
    (the id) each prepared text-format line names; returns the number of rows updated."""
    if not lines:
        return 0
    return _update(table, columns, keep, lambda copy: copy.write("".join(lines)))


def update_rows(table: str, columns: Sequence[str], rows: Sequence[Sequence], *, keep: Iterable[str] = ()) -> int:
    """``update_lines`` for rows of Python values."""
    if not rows:
        return 0

    def write(copy) -> None:
        for row in rows:
            copy.write_row(row)

    return _update(table, columns, keep, write)


def update_objects(model, objects: Sequence, fields: Sequence[str]) -> int:
    """Write ``fields`` of many saved ``model`` instances at once (a faster ``bulk_update``)."""
    if not objects:
        return 0
    model_fields = [model._meta.get_field(name) for name in fields]
    kinds = [f.get_internal_type() for f in model_fields]
    rows = []
    for obj in objects:
        row = [obj.pk]
        for field, kind in zip(model_fields, kinds, strict=True):
            value = getattr(obj, field.attname)
            if kind == "JSONField":
                value = Jsonb(value)
            elif kind == "BinaryField":
                value = bytes(value or b"")
            row.append(value)
        rows.append(row)
    columns = [model._meta.pk.column, *(f.column for f in model_fields)]
    return update_rows(model._meta.db_table, columns, rows)
