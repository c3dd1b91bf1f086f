"""Messages to and from peers (other ILL systems) over HTTP, with their credentials."""

from __future__ import annotations


def send(message_pk: int) -> None:
    """Post a queued message to its peer and apply the Confirmation."""


def retry_pending() -> int:
    return 0
