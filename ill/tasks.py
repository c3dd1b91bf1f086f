"""Thin Celery wrappers: they take ids, load what they need, and call one service."""

from __future__ import annotations

from celery import shared_task


@shared_task(ignore_result=True)
def send_message(message_pk: int) -> None:
    """Post one queued ISO 18626 message to its peer."""
    from ill.services import peers

    peers.send(message_pk)


@shared_task(ignore_result=True)
def retry_messages() -> int:
    """Post again the messages to peers that failed (backing off)."""
    from ill.services import peers

    return peers.retry_pending()


@shared_task(ignore_result=True)
def advance_rotas() -> int:
    """Pass over lenders that did not answer within the policy's deadline (their open days)."""
    from ill.services import rota

    return rota.sweep_timeouts()


@shared_task(ignore_result=True)
def auto_respond(supply_pk: int) -> None:
    """Answer a new incoming request from live availability (libraries that switched it on)."""
    from ill.services import lending

    lending.auto_respond(supply_pk)


@shared_task(ignore_result=True)
def mark_overdue_loans() -> int:
    """Lenders' ILL loans past their due date become Overdue (and the borrower hears of it)."""
    from ill.services import lending

    return lending.sweep_overdues()


@shared_task(ignore_result=True)
def purge_expired_copies() -> int:
    """Delete the files of copies whose link expired or whose downloads are used up."""
    from ill.services import copies

    return copies.purge_expired()
