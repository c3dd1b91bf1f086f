"""Transactional outboxes and the consumers that drain them.

A lower layer records a change as an outbox row in the same transaction as the change itself
and calls ``notify(name)``. A higher layer that consumes that outbox registers itself at start-up
(``register_consumer`` in its ``AppConfig.ready``), so the lower layer never names it: the change
travels up while the imports point down.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from django.db import transaction

log = logging.getLogger(__name__)

_consumers: dict[str, list[Callable[[], object]]] = {}


def register_consumer(outbox: str, wake: Callable[[], object]) -> None:
    """Call ``wake()`` after each commit that added rows to ``outbox`` (usually: queue a drain task).

    Registering the same callable twice has no effect, so ``ready()`` may run more than once.
    """
    wakers = _consumers.setdefault(outbox, [])
    if wake not in wakers:
        wakers.append(wake)


def unregister_consumers(outbox: str) -> None:
    """Forget every consumer of ``outbox`` (benchmarks that time one layer alone)."""
    _consumers.pop(outbox, None)


def consumers(outbox: str) -> list[Callable[[], object]]:
    return list(_consumers.get(outbox, ()))


def notify(outbox: str) -> None:
    """Wake the consumers of ``outbox`` once the current transaction commits.

    A consumer that cannot be woken (broker down) is logged and skipped: the rows stay pending and
    the periodic drain picks them up.
    """
    transaction.on_commit(lambda: _wake(outbox))


def _wake(outbox: str) -> None:
    for wake in consumers(outbox):
        try:
            wake()
        except Exception:  # noqa: BLE001 - the periodic drain catches up
            log.warning("could not wake a consumer of the %s outbox", outbox, exc_info=True)
