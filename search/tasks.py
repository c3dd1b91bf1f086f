"""Celery tasks of the search app: thin wrappers over ``search.services``."""

from __future__ import annotations

from celery import shared_task


@shared_task(name="search.tasks.drain_union_outbox", ignore_result=True)
def drain_union_outbox() -> dict:
    """Index pending union catalogue changes (queued on commit and every 5 seconds)."""
    from search.services import drain_union_outbox as drain

    return drain()
