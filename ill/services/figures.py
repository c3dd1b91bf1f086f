"""A library's ILL figures for a period, from the requests and their audit rows.

For the period [start, end] (days, both included):

* ``made`` requests the library placed (borrower) and ``received`` supplies it was asked for
  (lender), both by the day they were placed;
* fill rate, each side: filled / finished. A borrower's request is finished when it is completed,
  its copy delivered, completed without return, or it reached the end of the rota (not filled);
  a cancelled or rejected request is not counted. A lender's supply is finished when it is
  completed (loan, copy, without return) or unfilled/retry possible; one the borrower cancelled is
  not counted;
* time in each stage: for every state a request (or supply) entered in the period and has left,
  the hours it stayed there (from ``IllRequestStatusChange``/``SupplyStatusChange``; the first
  state counts from the moment it was placed); median and 90th percentile per state;
* turnaround: hours from placed to received at the desk (loans) or to the copy delivered
  (copies), for the requests placed in the period;
* reasons for unfilled: counts by code, the lenders' reasons for our requests (rota entries) and
  our own reasons for the supplies we could not fill;
* stuck: open requests and supplies whose state has not changed for more than
  ``IllPolicy.stuck_days`` (counted now, whatever the period).

Percentiles interpolate linearly between the closest ranks (as ``numpy.percentile`` does).
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict

from django.db.models import Count, F
from django.utils import timezone

from ill.models import IllPolicy, IllRequest, IllRequestStatusChange, RotaEntry, Supply, SupplyStatusChange
from ill.workflow import REQUESTER_FINAL, SUPPLIER_ACTIVE

R, S = IllRequest.Status, Supply.Status
REQUEST_FILLED = frozenset({R.COMPLETED, R.COPY_DELIVERED, R.COMPLETED_WITHOUT_RETURN})
REQUEST_FINISHED = REQUEST_FILLED | {R.END_OF_ROTA}
SUPPLY_FILLED = frozenset({S.LOAN_COMPLETED, S.COPY_COMPLETED, S.COMPLETED_WITHOUT_RETURN})
SUPPLY_FINISHED = SUPPLY_FILLED | {S.UNFILLED, S.RETRY_POSSIBLE}
REQUEST_OPEN = frozenset(set(R.values) - REQUESTER_FINAL)
UNFILLED_OUTCOMES = (RotaEntry.Outcome.UNFILLED, RotaEntry.Outcome.NO_ANSWER, RotaEntry.Outcome.DECLINED)


def percentile(values, p: float) -> float | None:
    """The ``p``-th percentile (0-100) of ``values``, linear between ranks; None for no values."""
    ordered = sorted(values)
    if not ordered:
        return None
    rank = (len(ordered) - 1) * p / 100
    low = int(rank)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def _summary(hours) -> dict:
    hours = list(hours)
    median, p90 = percentile(hours, 50), percentile(hours, 90)
    return {"count": len(hours), "median_hours": None if median is None else round(median, 2),
            "p90_hours": None if p90 is None else round(p90, 2)}


def _bounds(start: dt.date, end: dt.date) -> tuple[dt.datetime, dt.datetime]:
    tz = timezone.get_current_timezone()
    first = dt.datetime.combine(start, dt.time.min, tzinfo=tz)
    after = dt.datetime.combine(end + dt.timedelta(days=1), dt.time.min, tzinfo=tz)
    return first, after


def stuck_cutoff(now=None, policy: IllPolicy | None = None) -> dt.datetime:
    """Open requests whose state has not changed since before this moment are stuck."""
    policy = policy or IllPolicy.current()
    return (now or timezone.now()) - dt.timedelta(days=policy.stuck_days)


def is_stuck(obj, *, cutoff: dt.datetime) -> bool:
    """``obj``: a request or a supply; open and unchanged since before ``cutoff``."""
    open_states = REQUEST_OPEN if isinstance(obj, IllRequest) else SUPPLIER_ACTIVE
    return obj.status in open_states and obj.status_changed_at < cutoff


def stuck_requests(library, *, cutoff: dt.datetime):
    return IllRequest.objects.filter(borrower=library, status__in=REQUEST_OPEN, status_changed_at__lt=cutoff)


def stuck_supplies(library, *, cutoff: dt.datetime):
    return Supply.objects.filter(lender=library, status__in=SUPPLIER_ACTIVE, status_changed_at__lt=cutoff)


def _stage_hours(subjects, audit, first, after) -> dict[str, list[float]]:
    """Hours spent in each state, for stays entered in [first, after) that have ended."""
    created = {pk: at for pk, at in subjects.values_list("pk", "created_at")}
    rows = defaultdict(list)
    for subject_id, from_state, to_state, at in (
            audit.objects.filter(subject_id__in=list(created)).exclude(from_state=F("to_state"))
            .order_by("at", "id").values_list("subject_id", "from_state", "to_state", "at")):
        rows[subject_id].append((from_state, to_state, at))
    stages: dict[str, list[float]] = defaultdict(list)
    for subject_id, changes in rows.items():
        state, since = changes[0][0], created[subject_id]
        for _from, to_state, at in changes:
            if first <= since < after:
                stages[state].append((at - since).total_seconds() / 3600)
            state, since = to_state, at
    return stages


def _turnaround(requests) -> dict:
    """Placed -> received (loans) and placed -> copy delivered (copies), in hours."""
    loans, copies = [], []
    arrivals = (IllRequestStatusChange.objects.filter(subject__in=requests, to_state__in=(R.RECEIVED,
                                                                                          R.COPY_DELIVERED))
                .exclude(from_state=F("to_state")).order_by("at", "id")
                .values_list("subject_id", "to_state", "at", "subject__created_at"))
    seen = set()
    for subject_id, to_state, at, placed in arrivals:
        if subject_id in seen:
            continue
        seen.add(subject_id)
        (loans if to_state == R.RECEIVED else copies).append((at - placed).total_seconds() / 3600)
    return {"loans": _summary(loans), "copies": _summary(copies)}


def library_figures(library, *, start: dt.date, end: dt.date, now=None) -> dict:
    """The figures of ``library`` for the days ``start``..``end`` (see the module's docstring)."""
    first, after = _bounds(start, end)
    cutoff = stuck_cutoff(now)
    made = IllRequest.objects.filter(borrower=library, created_at__gte=first, created_at__lt=after)
    received = Supply.objects.filter(lender=library, created_at__gte=first, created_at__lt=after)
    made_states = Counter(dict(made.values_list("status").annotate(n=Count("pk")).values_list("status", "n")))
    received_states = Counter(dict(received.values_list("status").annotate(n=Count("pk"))
                                   .values_list("status", "n")))

    def rate(states, filled, finished):
        done = sum(states[s] for s in finished)
        got = sum(states[s] for s in filled)
        return {"filled": got, "finished": done, "rate": round(got / done, 4) if done else None}

    borrowing_reasons = Counter(
        code or outcome for outcome, code in RotaEntry.objects.filter(request__in=made, outcome__in=UNFILLED_OUTCOMES)
        .values_list("outcome", "outcome_code"))
    lending_reasons = Counter(
        (reason_unfilled or reason_retry or status) for status, reason_unfilled, reason_retry in
        received.filter(status__in=(S.UNFILLED, S.RETRY_POSSIBLE))
        .values_list("status", "reason_unfilled", "reason_retry"))
    borrowing_stages = _stage_hours(made, IllRequestStatusChange, first, after)
    lending_stages = _stage_hours(received, SupplyStatusChange, first, after)
    stuck_made = list(stuck_requests(library, cutoff=cutoff).order_by("status_changed_at")
                      .values_list("number", flat=True))
    stuck_lent = list(stuck_supplies(library, cutoff=cutoff).order_by("status_changed_at")
                      .values_list("number", flat=True))
    return {
        "library": library.code,
        "from": start,
        "to": end,
        "borrowing": {
            "made": sum(made_states.values()),
            "by_status": dict(sorted(made_states.items())),
            "fill": rate(made_states, REQUEST_FILLED, REQUEST_FINISHED),
            "stages": {state: _summary(hours) for state, hours in sorted(borrowing_stages.items())},
            "turnaround": _turnaround(made),
            "unfilled_reasons": dict(borrowing_reasons.most_common()),
            "stuck": {"count": len(stuck_made), "numbers": stuck_made},
        },
        "lending": {
            "received": sum(received_states.values()),
            "by_status": dict(sorted(received_states.items())),
            "fill": rate(received_states, SUPPLY_FILLED, SUPPLY_FINISHED),
            "stages": {state: _summary(hours) for state, hours in sorted(lending_stages.items())},
            "unfilled_reasons": dict(lending_reasons.most_common()),
            "stuck": {"count": len(stuck_lent), "numbers": stuck_lent},
        },
        "stuck_days": IllPolicy.current().stuck_days,
    }
