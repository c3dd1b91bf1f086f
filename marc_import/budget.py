"""A time budget for one record: past it, reading and mapping the record stop and it is rejected.

Every per-record step is meant to be linear, but one pathological record must never hold up (or,
through the worker's batch timeout, fail) a whole import. The budget is a real-time interval
timer (``SIGALRM``) whose handler raises ``RecordOverTime`` in the middle of whatever the record
is doing, regular-expression matching included. Signals reach only a process's main thread,
which is where the import's worker processes and a Celery prefork worker run; elsewhere (a web
request's thread) or when something else already uses the timer, records run without a budget.
"""

from __future__ import annotations

import signal
import threading
import time
from collections.abc import Callable


class RecordOverTime(BaseException):
    """A record ran past its budget. A BaseException, so that the ``except Exception`` that turns
    a parser's or mapper's error into a rejection cannot take it for a broken record."""


class RecordTimer:
    """Run records one at a time, each within ``seconds``. Use ``RecordTimer.start`` (None when no
    timer can be had here), then ``run`` per record and ``stop`` once."""

    def __init__(self, seconds: float, previous):
        self.seconds = seconds
        self.previous = previous
        self.deadline: float | None = None

    @classmethod
    def start(cls, seconds: float) -> RecordTimer | None:
        if seconds <= 0 or not hasattr(signal, "setitimer"):
            return None
        if threading.current_thread() is not threading.main_thread():
            return None
        if signal.getsignal(signal.SIGALRM) not in (signal.SIG_DFL, None) or signal.getitimer(signal.ITIMER_REAL)[0]:
            return None  # someone else's alarm: leave it alone
        timer = cls(seconds, signal.getsignal(signal.SIGALRM))
        signal.signal(signal.SIGALRM, timer._on_alarm)
        return timer

    def _on_alarm(self, signum, frame) -> None:
        deadline = self.deadline
        if deadline is None:
            return  # a late alarm for a record that has finished
        left = deadline - time.monotonic()
        if left > 0:  # early (the interval timer and the monotonic clock differ a little)
            signal.setitimer(signal.ITIMER_REAL, left)
            return
        raise RecordOverTime

    def run(self, func: Callable, *args, on_over_time: Callable):
        """``func(*args)``, or ``on_over_time()`` when that takes longer than the budget."""
        try:
            try:
                self.deadline = time.monotonic() + self.seconds
                signal.setitimer(signal.ITIMER_REAL, self.seconds)
                return func(*args)
            finally:
                signal.setitimer(signal.ITIMER_REAL, 0)
                self.deadline = None
        except RecordOverTime:
            # Raised anywhere up to the timer being stopped: the record had its time either way.
            return on_over_time()

    def stop(self) -> None:
        signal.setitimer(signal.ITIMER_REAL, 0)
        self.deadline = None
        signal.signal(signal.SIGALRM, self.previous if self.previous is not None else signal.SIG_DFL)
