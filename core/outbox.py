"""Transactional outboxes and the consumers that drain them.

A lower layer records a change as an outbox row in the same transaction as the change itself
and calls ``notify(name)``. A higher layer that consumes that outbox registers itself at start-up
(``register_consumer`` in its ``AppConfig.ready``), so the lower layer never names it: the change
travels up while the imports point down.

Every outbox table builds on ``OutboxRow`` and is drained by ``drain``, which hands batches of
pending rows to the consumer's handler, isolates a row the handler cannot apply, and
dead-letters it after ``MAX_ATTEMPTS`` failures so it never holds up the rows behind it.
``dead_count``/``dead`` report such rows and ``requeue`` brings them back once fixed.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from contextlib import contextmanager
from dataclasses import dataclass

from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

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


_held: dict[str, int] = {}  # outbox -> wakes asked for while held


@contextmanager
def held(outbox: str):
    """Hold the wakes of ``outbox`` for a block of many small commits, then wake once.

    For bulk work done one change at a time (the demo's term of loans): each commit still writes
    its rows, but the consumers drain them in one go at the end instead of once per commit.
    """
    outer = outbox in _held
    _held.setdefault(outbox, 0)
    try:
        yield
    finally:
        if not outer and _held.pop(outbox, 0):
            _wake(outbox)


def _wake(outbox: str) -> None:
    if outbox in _held:
        _held[outbox] += 1
        return
    for wake in consumers(outbox):
        try:
            wake()
        except Exception:  # noqa: BLE001 - the periodic drain catches up
            log.warning("could not wake a consumer of the %s outbox", outbox, exc_info=True)


# --- Outbox rows and the one way to drain them -------------------------------------------------

# Failures of one row, counted over separate drains, before it is set aside as dead. A row that
# fails this often is wrong in itself (data the destination refuses); retrying it for ever would
# only fill the logs.
MAX_ATTEMPTS = 5
ERROR_LENGTH = 2000

PENDING = models.Q(processed_at__isnull=True, dead_at__isnull=True)
DEAD = models.Q(processed_at__isnull=True, dead_at__isnull=False)


class OutboxRow(models.Model):
    """Fields every outbox table shares: when a row was written, applied, tried and given up on.

    A row is pending while neither ``processed_at`` nor ``dead_at`` is set. ``attempts`` counts
    failed tries and ``last_error`` keeps the latest one's text until the row succeeds.
    """

    created_at = models.DateTimeField(auto_now_add=True)
    processed_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True)
    dead_at = models.DateTimeField(
        null=True, blank=True, help_text=_("given up after repeated failures; requeue it once fixed")
    )

    class Meta:
        abstract = True


def outbox_indexes(prefix: str) -> list[models.Index]:
    """Partial indexes that keep finding pending and dead rows cheap however long the table grows."""
    return [
        models.Index(fields=["id"], condition=PENDING, name=f"{prefix}_pending"),
        models.Index(fields=["id"], condition=DEAD, name=f"{prefix}_dead"),
    ]


class DestinationUnavailable(Exception):
    """A handler's way to say "not these rows' fault": the place they go to is down.

    The rows keep the attempt and the error but are never dead-lettered for it, and the drain
    stops there: trying the rest one by one against a dead server would only take longer.
    """


@dataclass
class Drained:
    """What one ``drain`` did: rows applied, rows that failed (dead-lettered ones included)."""

    processed: int = 0
    failed: int = 0
    dead: int = 0
    batches: int = 0
    unavailable: bool = False


def pending(model: type[OutboxRow]) -> models.QuerySet:
    return model._default_manager.filter(PENDING)


def dead(model: type[OutboxRow]) -> models.QuerySet:
    """Dead-lettered rows, the most recently given up first."""
    return model._default_manager.filter(DEAD).order_by("-dead_at", "-id")


def dead_count(model: type[OutboxRow]) -> int:
    return model._default_manager.filter(DEAD).count()


def requeue(model: type[OutboxRow], ids: Iterable[int] | None = None, *, outbox: str | None = None) -> int:
    """Make dead rows (all, or those ids) pending again with a fresh count of attempts.

    Their last error stays until they succeed. With ``outbox`` its consumers are woken on commit.
    """
    rows = model._default_manager.filter(DEAD)
    if ids is not None:
        rows = rows.filter(pk__in=list(ids))
    count = rows.update(dead_at=None, attempts=0)
    if count and outbox:
        notify(outbox)
    return count


def drain(
    model: type[OutboxRow],
    handle: Callable[[list], object],
    *,
    batch_size: int = 500,
    max_batches: int | None = None,
    max_attempts: int = MAX_ATTEMPTS,
) -> Drained:
    """Hand pending rows of ``model`` to ``handle`` in batches and record how each one went.

    Each batch is taken with ``SELECT ... FOR UPDATE SKIP LOCKED`` in its own transaction, so
    several workers drain side by side and a worker that dies leaves its rows pending. ``handle``
    gets a list of rows and applies them, raising if it cannot; it runs in a savepoint. When a
    batch fails, its rows are handed over again one at a time, each in its own savepoint, so one
    bad row fails alone: the others are applied, it counts an attempt and keeps the error, and
    after ``max_attempts`` failures it is dead-lettered and left alone until ``requeue``.

    One drain passes over the queue once (rows are taken in id order, each batch after the
    last): a row that failed is retried by the next drain, not straight away.
    """
    result = Drained()
    after = 0
    while max_batches is None or result.batches < max_batches:
        with transaction.atomic():
            rows = list(
                model._default_manager.select_for_update(skip_locked=True)
                .filter(PENDING, id__gt=after)
                .order_by("id")[:batch_size]
            )
            if not rows:
                break
            result.batches += 1
            after = rows[-1].pk
            _drain_batch(model, rows, handle, max_attempts, result)
        if result.unavailable or len(rows) < batch_size:
            break
    return result


def _drain_batch(model, rows: list, handle, max_attempts: int, result: Drained) -> None:
    done: list = []
    failures: list[tuple[object, BaseException, bool]] = []  # (row, error, may it be dead-lettered)
    try:
        with transaction.atomic():
            handle(rows)
        done = rows
    except DestinationUnavailable as exc:
        failures = [(row, exc, False) for row in rows]
    except Exception as exc:  # noqa: BLE001 - find the row to blame
        if len(rows) == 1:
            failures = [(rows[0], exc, True)]
        else:
            log.warning("%s: a batch of %d rows failed (%s); trying them one by one",
                        model.__name__, len(rows), _describe(exc))
            done, failures = _one_by_one(rows, handle)
    now = timezone.now()
    if done:
        model._default_manager.filter(pk__in=[row.pk for row in done]).update(processed_at=now, last_error="")
        result.processed += len(done)
    for row, exc, blamed in failures:
        row.attempts += 1
        row.last_error = _describe(exc)
        if not blamed:
            result.unavailable = True
        elif row.attempts >= max_attempts:
            row.dead_at = now
            result.dead += 1
            log.error("%s %s (%s) dead-lettered after %d failed attempts: %s",
                      model.__name__, row.pk, row, row.attempts, row.last_error)
        else:
            log.warning("%s %s (%s) failed, attempt %d: %s", model.__name__, row.pk, row, row.attempts,
                        row.last_error, exc_info=exc)
    if failures:
        if result.unavailable:
            log.warning("%s: destination unavailable, %d rows wait: %s",
                        model.__name__, len(failures), failures[-1][0].last_error)
        model._default_manager.bulk_update([row for row, _exc, _blamed in failures],
                                           ["attempts", "last_error", "dead_at"])
        result.failed += len(failures)


def _one_by_one(rows: list, handle) -> tuple[list, list]:
    done: list = []
    failures: list = []
    for position, row in enumerate(rows):
        try:
            with transaction.atomic():
                handle([row])
        except DestinationUnavailable as exc:
            failures += [(later, exc, False) for later in rows[position:]]
            break
        except Exception as exc:  # noqa: BLE001 - this row alone fails
            failures.append((row, exc, True))
        else:
            done.append(row)
    return done, failures


def _describe(exc: BaseException) -> str:
    if isinstance(exc, DestinationUnavailable) and exc.__cause__ is not None:
        exc = exc.__cause__
    return f"{type(exc).__name__}: {exc}"[:ERROR_LENGTH]
