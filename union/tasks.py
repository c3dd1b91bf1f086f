"""Celery tasks of the union catalogue: thin wrappers around the services."""

from __future__ import annotations

from celery import shared_task


@shared_task(name="union.tasks.drain_catalogue_outbox", ignore_result=True)
def drain_catalogue_outbox() -> int:
    """Apply pending local catalogue changes to the union catalogue."""
    from django.db import connection

    from union.services.sync import drain

    connection.set_schema_to_public()
    return drain()
