"""Choosing lenders: candidates from union holdings, scored by the consortium's policy, asked in turn.

``build_rota`` writes one round of ``RotaEntry`` rows: every member whose union holdings show a copy
on the shelf (other than the borrower), scored with ``IllPolicy.current()``'s weights, each point
with its reason (``RotaEntry.reasons``), best first and ties by library code; the policy's lenders
of last resort come after all of them. A member that cannot be asked now is kept with its reason
(``outcome=skipped``): it opted out of lending, it is closed (a vacation or closure on its school
calendar, a public holiday), its only copies on the shelf are for reference, or its live catalogue
has none on the shelf although the union catalogue said so. Weekends alone do not skip a school:
its answer deadline is counted in its open days.

``move_on`` asks the next lender (re-checking it first); ``record_answer`` notes what a lender
said; ``sweep_timeouts`` passes over lenders whose deadline went by. Outside peers are not put on
the automatic rota: a peer's holdings are not in the union catalogue, so there is nothing to score
them on; staff can send a request to a peer by hand.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass, field

from django.db import DatabaseError, transaction
from django.db.models import F, Max, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django_tenants.utils import tenant_context

from core.exceptions import Conflict
from ill.models import IllPolicy, IllRequest, LibraryIllSettings, RotaEntry, Supply
from tenants.models import Library
from union.models import UnionHolding

log = logging.getLogger(__name__)

Outcome = RotaEntry.Outcome
BALANCE_DAYS = 90
# Supplies that reached the borrower count as lent (by the lender) and borrowed (by the borrower).
FILLED = ("loaned", "overdue", "recalled", "return_shipped", "loan_completed", "copy_completed", "lost",
          "completed_without_return")
# A lender that has not answered (or only said it expects to) can be passed over at its deadline.
UNANSWERED = (IllRequest.Status.REQUESTED, IllRequest.Status.EXPECT_TO_SUPPLY)
SYSTEM = "rota"


# --- the lender's catalogue and calendar, read in its own schema ------------------------------------

@dataclass
class Shelf:
    """What a lender's own catalogue has of the requested record on the shelf right now."""

    loanable: int = 0
    reference_only: int = 0


def live_shelf(library: Library, instance_ids) -> Shelf:
    """Copies of ``instance_ids`` on ``library``'s shelf now: lendable ones and reference-only ones."""
    from tenants.catalogue.models import Item
    from tenants.catalogue.workflow import available_q, loanable_q

    instance_ids = list(instance_ids)
    if not instance_ids:
        return Shelf()
    with tenant_context(library):
        items = Item.objects.filter(holdings__instance_id__in=instance_ids)
        return Shelf(loanable=items.filter(loanable_q()).count(),
                     reference_only=items.filter(available_q(), reference_only=True).count())


def school_calendar(library: Library):
    from circulation.services.calendar import SchoolCalendar

    with tenant_context(library):
        return SchoolCalendar()


def closed_reason(library: Library, day: dt.date, calendar=None) -> dict | None:
    """Why ``library`` is closed on ``day`` (a closed period of its own, a public holiday), else None.

    An ordinary weekend is not a reason to pass a school over: everyone is closed then.
    """
    calendar = calendar or school_calendar(library)
    if calendar.is_open(day):
        return None
    period = calendar.closed_period(day)
    if period is not None:
        return {"from": period[0].isoformat(), "to": period[1].isoformat()}
    holiday = _holiday(day)
    if holiday:
        return {"holiday": holiday, "on": day.isoformat()}
    return None


def _holiday(day: dt.date) -> str:
    """The national calendar's own (English) name of the holiday on ``day``; ``explain`` translates it."""
    import chinese_calendar

    try:
        on_holiday, name = chinese_calendar.get_holiday_detail(day)
    except NotImplementedError:
        return ""
    return name if on_holiday and name else ""


def answer_due(library: Library, now: dt.datetime, days: int, calendar=None) -> dt.datetime:
    """The end of ``library``'s ``days``-th open day after ``now``: when its answer is due."""
    calendar = calendar or school_calendar(library)
    day, counted = timezone.localtime(now).date(), 0
    for _attempt in range(400):
        if counted >= max(days, 1):
            break
        day += dt.timedelta(days=1)
        if calendar.is_open(day):
            counted += 1
    end = dt.datetime.combine(day, dt.time(23, 59, 59))
    return timezone.make_aware(end, timezone.get_current_timezone())


# --- building a round ---------------------------------------------------------------------------------

@dataclass
class Candidate:
    lender: Library
    instance_ids: list = field(default_factory=list)
    last_resort: bool = False
    reasons: list = field(default_factory=list)
    skip: str = ""
    skip_detail: dict = field(default_factory=dict)

    @property
    def score(self) -> float:
        return float(sum(r["points"] for r in self.reasons))


def _reason(code: str, points: int, **detail) -> dict:
    return {"code": code, "points": int(points), "detail": detail}


def _filled_counts(library: Library, since: dt.datetime) -> tuple[int, int]:
    recent = Supply.objects.filter(created_at__gte=since, status__in=FILLED)
    return recent.filter(lender=library).count(), recent.filter(borrower=library).count()


def _courier_days(library: Library) -> int:
    days = LibraryIllSettings.objects.filter(library=library).values_list("courier_days", flat=True).first()
    return days if days is not None else LibraryIllSettings._meta.get_field("courier_days").default


def score(candidate: Candidate, borrower: Library, policy: IllPolicy, *, now: dt.datetime, today: dt.date) -> None:
    """Fill ``candidate``'s reasons (points and why) or the reason it is skipped."""
    lender = candidate.lender
    reasons = candidate.reasons
    if candidate.last_resort:
        reasons.append(_reason("last_resort", 0))
    if lender.region_id == borrower.region_id:
        reasons.append(_reason("same_district", policy.weight_same_district, region=lender.region.name))
    elif lender.region.parent_id and lender.region.parent_id == borrower.region.parent_id:
        reasons.append(_reason("same_city", policy.weight_same_city, region=lender.region.parent.name))
    if not (lender.ill_lending and lender.is_active):
        candidate.skip = "opted_out"
        return
    closed = closed_reason(lender, today)
    if closed is not None:
        candidate.skip, candidate.skip_detail = "closed", closed
        return
    if candidate.instance_ids:
        shelf = live_shelf(lender, candidate.instance_ids)
        if shelf.loanable:
            reasons.append(_reason("available", policy.weight_available, copies=shelf.loanable))
        elif not candidate.last_resort:
            # A lender of last resort is asked all the same: it may hold what it has not catalogued.
            candidate.skip = "reference_only" if shelf.reference_only else "not_on_shelf"
            candidate.skip_detail = {"reference_only": shelf.reference_only}
            return
    since = now - dt.timedelta(days=BALANCE_DAYS)
    lent, borrowed = _filled_counts(lender, since)
    points = policy.weight_balance if lent <= borrowed else round(policy.weight_balance * borrowed / lent)
    reasons.append(_reason("balance", points, lent=lent, borrowed=borrowed, days=BALANCE_DAYS))
    from_us = Supply.objects.filter(created_at__gte=since, status__in=FILLED, lender=borrower,
                                    borrower=lender).count()
    if from_us:
        reasons.append(_reason("reciprocity", policy.weight_reciprocity, count=from_us, days=BALANCE_DAYS))
    days = _courier_days(lender)
    if days:
        reasons.append(_reason("courier_days", -int(days) * policy.penalty_per_courier_day, days=days))


def candidates(request: IllRequest, policy: IllPolicy) -> list[Candidate]:
    """Members with the record on the shelf by the union catalogue, then the lenders of last resort."""
    borrower_id = request.borrower_id
    last_resort = {lib.pk: lib for lib in policy.lenders_of_last_resort.select_related("region__parent")
                   if lib.pk != borrower_id}
    found: dict[int, Candidate] = {}
    if request.union_record_id:
        holdings = (UnionHolding.objects.filter(union_record_id=request.union_record_id)
                    .filter(Q(items_loanable__gt=0) | Q(items_available__gt=0))
                    .exclude(library_id=borrower_id).select_related("library__region__parent"))
        for holding in holdings:
            candidate = found.setdefault(holding.library_id, Candidate(
                lender=holding.library, last_resort=holding.library_id in last_resort))
            candidate.instance_ids.append(holding.instance_id)
    for pk, lib in last_resort.items():
        found.setdefault(pk, Candidate(lender=lib, last_resort=True))
    return list(found.values())


def build_rota(request: IllRequest, *, now: dt.datetime | None = None) -> list[RotaEntry]:
    """Write the next round of ``request``'s rota and return its entries in the order they are asked."""
    now = now or timezone.now()
    today = timezone.localtime(now).date()
    policy = IllPolicy.current()
    borrower = Library.objects.select_related("region__parent").get(pk=request.borrower_id)
    found = candidates(request, policy)
    for candidate in found:
        score(candidate, borrower, policy, now=now, today=today)

    def order(c: Candidate):
        return (bool(c.skip), c.last_resort, -c.score, c.lender.code)

    found.sort(key=order)
    last_round = RotaEntry.objects.filter(request=request).aggregate(n=Max("round"))["n"] or 0
    entries = [
        RotaEntry(request=request, round=last_round + 1, position=n, lender=c.lender, score=c.score,
                  reasons=c.reasons, last_resort=c.last_resort,
                  outcome=Outcome.SKIPPED if c.skip else Outcome.WAITING, outcome_code=c.skip,
                  outcome_note=_skip_note(c.skip, c.skip_detail), answered_at=now if c.skip else None)
        for n, c in enumerate(found, 1)
    ]
    return RotaEntry.objects.bulk_create(entries)


def _skip_note(code: str, detail: dict) -> str:
    """The detail of a skip, kept as data in the note (``explain`` words it in the reader's language)."""
    if not code:
        return ""
    import json

    return json.dumps(detail, ensure_ascii=False, sort_keys=True) if detail else ""


# --- asking in turn ----------------------------------------------------------------------------------

def start(request: IllRequest, *, actor=None, now: dt.datetime | None = None) -> RotaEntry | None:
    """Build a new round of the rota and ask its first lender (the request is ``sourcing``)."""
    with transaction.atomic():
        build_rota(request, now=now)
        return move_on(request, actor=actor, now=now)


def current_round(request: IllRequest) -> int:
    return RotaEntry.objects.filter(request=request).aggregate(n=Max("round"))["n"] or 0


def recheck(entry: RotaEntry, request: IllRequest, today: dt.date) -> tuple[str, dict]:
    """Whether the lender of ``entry`` can still be asked: ("", {}) or the code and detail of a skip."""
    lender = Library.objects.get(pk=entry.lender_id)
    if not (lender.ill_lending and lender.is_active):
        return "opted_out", {}
    closed = closed_reason(lender, today)
    if closed is not None:
        return "closed", closed
    instance_ids = list(UnionHolding.objects.filter(union_record_id=request.union_record_id, library=lender)
                        .values_list("instance_id", flat=True)) if request.union_record_id else []
    if instance_ids:
        shelf = live_shelf(lender, instance_ids)
        if not shelf.loanable and not entry.last_resort:
            return ("reference_only" if shelf.reference_only else "not_on_shelf"), {
                "reference_only": shelf.reference_only}
    elif not entry.last_resort:
        return "not_on_shelf", {}
    return "", {}


def move_on(request: IllRequest, *, actor=None, now: dt.datetime | None = None) -> RotaEntry | None:
    """Ask the next lender of the rota, or end the rota (the request returns to its borrower).

    Does nothing unless the request is ``sourcing`` (a repeated call is harmless). The request row
    is locked while the next lender is chosen, so two callers never ask two lenders.
    """
    from ill.services import exchange, notify
    from ill.services.transitions import advance_request

    now = now or timezone.now()
    today = timezone.localtime(now).date()
    policy = IllPolicy.current()
    with transaction.atomic():
        locked = IllRequest.objects.select_for_update().get(pk=request.pk)
        if locked.status != IllRequest.Status.SOURCING:
            return None
        waiting = RotaEntry.objects.filter(request=locked, round=current_round(locked), outcome=Outcome.WAITING)
        for entry in waiting.select_related("lender", "peer").order_by("position"):
            if entry.lender_id:
                code, detail = recheck(entry, locked, today)
                if code:
                    RotaEntry.objects.filter(pk=entry.pk, outcome=Outcome.WAITING).update(
                        outcome=Outcome.SKIPPED, outcome_code=code, outcome_note=_skip_note(code, detail), answered_at=now)
                    continue
                due = answer_due(entry.lender, now, policy.answer_open_days)
            else:
                due = now + dt.timedelta(days=policy.answer_open_days)
            claimed = RotaEntry.objects.filter(pk=entry.pk, outcome=Outcome.WAITING).update(
                outcome=Outcome.ASKED, asked_at=now, answer_due_at=due)
            if not claimed:
                continue
            entry.outcome, entry.asked_at, entry.answer_due_at = Outcome.ASKED, now, due
            advance_request(locked, "send_to_lender", actor=actor or SYSTEM, values={
                "lender": entry.lender, "lender_peer": entry.peer, "supplier_status": "", "supplier_request_id": "",
                "loan_condition": "", "condition_note": "", "lender_due_on": None})
            exchange.send_request(locked, entry, actor=actor)
            _refresh(request, locked)
            return entry
        advance_request(locked, "end_rota", actor=actor or SYSTEM)
        _refresh(request, locked)
        notify.request_changed(locked, "end_rota")
    return None


def _refresh(request: IllRequest, locked: IllRequest) -> None:
    """Give the caller's object the values the locked copy now holds."""
    if request is not locked:
        request.refresh_from_db()


def _entry_for(request: IllRequest, supply: Supply | None) -> RotaEntry | None:
    if supply is not None and supply.rota_entry_id:
        return RotaEntry.objects.filter(pk=supply.rota_entry_id).first()
    asked = RotaEntry.objects.filter(request=request, outcome__in=(Outcome.ASKED, Outcome.SUPPLYING))
    if request.lender_id:
        asked = asked.filter(lender_id=request.lender_id)
    elif request.lender_peer_id:
        asked = asked.filter(peer_id=request.lender_peer_id)
    return asked.order_by("-round", "-asked_at", "-pk").first()


def record_answer(request: IllRequest, *, supply: Supply | None = None, outcome: str, code: str = "",
                  note: str = "") -> bool:
    """Note on the rota entry of the lender asked now what it answered; False if already noted.

    An entry the timeout sweep already marked ``no_answer`` keeps that outcome: the Cancelled the
    sweep sends makes the exchange report the lender as unfilled, which is not what happened.
    """
    entry = _entry_for(request, supply)
    if entry is None:
        return False
    if outcome == Outcome.SUPPLYING:
        changed = RotaEntry.objects.filter(pk=entry.pk, outcome=Outcome.ASKED).update(
            outcome=Outcome.SUPPLYING, outcome_code=code, answered_at=timezone.now())
    else:
        changed = RotaEntry.objects.filter(pk=entry.pk, outcome__in=(Outcome.ASKED, Outcome.SUPPLYING)).update(
            outcome=outcome, outcome_code=code[:40], outcome_note=note, answered_at=timezone.now())
    return bool(changed)


def cancel_waiting(request: IllRequest) -> int:
    """A cancelled request's lenders not asked yet, and the one asked now, are marked cancelled."""
    return RotaEntry.objects.filter(request=request, outcome__in=(Outcome.WAITING, Outcome.ASKED, Outcome.SUPPLYING)).update(
        outcome=Outcome.CANCELLED, answered_at=timezone.now())


# --- deadlines -----------------------------------------------------------------------------------------

def due_entries(now: dt.datetime | None = None) -> list[int]:
    """Entries whose lender's answer is overdue while the request still waits on that lender."""
    now = now or timezone.now()
    return list(RotaEntry.objects.filter(
        outcome__in=(Outcome.ASKED, Outcome.SUPPLYING), answer_due_at__lt=now, request__status__in=UNANSWERED,
    ).filter(Q(lender__isnull=False, request__lender=F("lender")) | Q(peer__isnull=False, request__lender_peer=F("peer")))
        .order_by("answer_due_at", "pk").values_list("pk", flat=True))


def sweep_entry(entry_pk: int, now: dt.datetime | None = None) -> bool:
    """Pass over the lender of one overdue entry; True if this call did it (exactly one caller does).

    Rows are locked in the order a lender's own answer takes them (its supply, then the request),
    then the entry is claimed by a conditional update (asked -> no_answer). Cancelling the supply
    tells the borrower, whose side then moves on to the next lender once; the entry keeps its
    ``no_answer`` (``record_answer`` leaves an entry already answered alone).
    """
    from ill.services import exchange
    from ill.services.transitions import advance_request, advance_supply

    now = now or timezone.now()
    entry = RotaEntry.objects.filter(pk=entry_pk).first()
    if entry is None or entry.answer_due_at is None:
        return False
    note = _("No answer by %(due)s.") % {"due": timezone.localtime(entry.answer_due_at).strftime("%Y-%m-%d %H:%M")}
    with transaction.atomic():
        supply = (Supply.objects.select_for_update().filter(rota_entry_id=entry.pk).first()
                  if entry.lender_id else None)
        request = IllRequest.objects.select_for_update().get(pk=entry.request_id)
        if request.status not in UNANSWERED or (request.lender_id, request.lender_peer_id) != (
                entry.lender_id, entry.peer_id):
            return False
        claimed = RotaEntry.objects.filter(pk=entry.pk, outcome__in=(Outcome.ASKED, Outcome.SUPPLYING),
                                           answer_due_at__lt=now).update(
            outcome=Outcome.NO_ANSWER, outcome_code="no_answer", outcome_note=note, answered_at=now)
        if not claimed:
            return False
        if supply is not None and supply.status in (Supply.Status.NEW, Supply.Status.EXPECT_TO_SUPPLY):
            # The borrower hears Cancelled: its side moves on (lender_unfilled) to the next lender.
            advance_supply(supply, "cancel", actor=SYSTEM, note=note, reason="StatusChange")
        else:
            # A peer (no supply of ours) or a supply already gone: move the borrower's side here.
            advance_request(request, "lender_timeout", actor=SYSTEM, note=note, tell_lender=False)
            if entry.peer_id:
                exchange.tell_lender(request, "Cancel", note=note)
            move_on(request, now=now)
    return True


def sweep_timeouts(now=None) -> int:
    """Move every request whose lender did not answer in time on to its next lender; how many moved.

    Safe to run in several workers at once: each entry is claimed by one of them.
    """
    now = now or timezone.now()
    moved = 0
    for pk in due_entries(now):
        try:
            moved += sweep_entry(pk, now)
        except (Conflict, DatabaseError):
            # Lost a race with the lender's own answer (or a deadlock victim): the next sweep looks again.
            log.info("rota: entry %s not swept this time", pk, exc_info=True)
    return moved


# --- why -----------------------------------------------------------------------------------------------

def _points(points: int) -> str:
    return f"{points:+d}"


def explain(entry: RotaEntry) -> list[str]:
    """Readable lines of why ``entry``'s lender stands where it does, and what became of it."""
    import json

    lines = []
    for reason in entry.reasons or []:
        code, points, detail = reason.get("code"), int(reason.get("points", 0)), reason.get("detail") or {}
        p = _points(points)
        if code == "same_district":
            lines.append(_("Same district %(points)s") % {"points": p})
        elif code == "same_city":
            lines.append(_("Same city %(points)s") % {"points": p})
        elif code == "available":
            lines.append(_("A copy is on the shelf now %(points)s") % {"points": p})
        elif code == "balance":
            lines.append(_("Lent %(lent)s and borrowed %(borrowed)s in the last %(days)s days %(points)s") % {
                "lent": detail.get("lent", 0), "borrowed": detail.get("borrowed", 0),
                "days": detail.get("days", BALANCE_DAYS), "points": p})
        elif code == "reciprocity":
            lines.append(_("Borrowed from us %(count)s time(s) in the last %(days)s days %(points)s") % {
                "count": detail.get("count", 0), "days": detail.get("days", BALANCE_DAYS), "points": p})
        elif code == "courier_days":
            lines.append(_("%(days)s courier day(s) %(points)s") % {"days": detail.get("days", 0), "points": p})
        elif code == "last_resort":
            lines.append(_("Lender of last resort: asked after every other lender"))
        else:
            lines.append(f"{code} {p}")
    try:
        detail = json.loads(entry.outcome_note) if entry.outcome == Outcome.SKIPPED and entry.outcome_note else {}
    except ValueError:
        detail = {}
    code = entry.outcome_code
    if entry.outcome == Outcome.SKIPPED:
        if code == "opted_out":
            lines.append(_("Skipped: does not lend through interlibrary loan"))
        elif code == "closed" and "holiday" in detail:
            from circulation.services.calendar import HOLIDAY_NAMES

            holiday = str(HOLIDAY_NAMES.get(detail["holiday"], detail["holiday"]))
            lines.append(_("Skipped: closed for %(holiday)s") % {"holiday": holiday})
        elif code == "closed":
            lines.append(_("Skipped: the school is closed from %(from)s to %(to)s") % {
                "from": detail.get("from", ""), "to": detail.get("to", "")})
        elif code == "reference_only":
            lines.append(_("Skipped: the only copies on the shelf are for reference"))
        elif code == "not_on_shelf":
            lines.append(_("Skipped: no copy on the shelf in its own catalogue"))
        else:
            lines.append(_("Skipped (%(code)s)") % {"code": code})
    elif entry.outcome == Outcome.UNFILLED:
        lines.append(_("Could not supply (%(code)s)") % {"code": code} if code else _("Could not supply"))
    elif entry.outcome == Outcome.NO_ANSWER:
        lines.append(_("Did not answer in time"))
    elif entry.outcome == Outcome.DECLINED:
        lines.append(_("Its condition was declined"))
    return lines
