"""Celery tasks of the union catalogue: thin wrappers around the services."""

from __future__ import annotations

from celery import shared_task


@shared_task(name="union.tasks.drain_catalogue_outbox", ignore_result=True)
def drain_catalogue_outbox() -> int:
    """Apply pending local catalogue changes to the union catalogue (in the public schema)."""
    from union.services.sync import drain

    return drain()
