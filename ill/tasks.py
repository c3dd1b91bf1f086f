"""Thin Celery wrappers: they take ids, load, and call a service."""

from __future__ import annotations

from celery import shared_task


@shared_task(ignore_result=True)
def send_message(message_pk: int) -> None:
    """Post one queued ISO 18626 message to its peer (``ill.services.peers.send``)."""
