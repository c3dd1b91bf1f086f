"""Run competing transactions for real: each contender in its own thread, on its own connection.

Every contender gets a ``threading.Barrier`` to wait at once it has read what it will act on, so
all of them have seen the same state before any writes. A contender's result, or the exception it
raised, comes back in the order the contenders were given.
"""

from __future__ import annotations

import threading

from django.db import connection


def race(*contenders, timeout: float = 60.0) -> list:
    barrier = threading.Barrier(len(contenders), timeout=timeout)
    results: list = [None] * len(contenders)

    def run(index, contender):
        try:
            results[index] = contender(barrier)
        except Exception as exc:  # noqa: BLE001 - handed back to the test
            results[index] = exc
        finally:
            connection.close()  # this thread's own connection

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(contenders)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout)
        assert not thread.is_alive(), "a contender is stuck"
    return results
