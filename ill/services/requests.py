"""Placing a request from a union record, and the borrowing library's own steps before a lender has it.

A request holds only the reader's row id in the borrowing library's schema and their opaque public
account: the reader is checked in that schema (card, overdue items, open charges) and never named
outside it. A reader's request waits for the library's approval when the library (or, by default,
the consortium) wants it; a request placed by staff, or approved, goes to the rota at once.
"""

from __future__ import annotations

import datetime as dt

from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django_tenants.utils import tenant_context

from ill.exceptions import RequestRefused
from ill.models import IllRequest, LibraryIllSettings, ServiceType
from ill.workflow import REQUESTER_OPEN, WITH_LENDER
from tenants.models import Library
from union.models import UnionHolding, UnionRecord

R = IllRequest.Status


def bib_of(record: UnionRecord) -> dict:
    """What is asked for, as the union record says it now (kept with the request as a snapshot)."""
    authors = [a.get("name", "") if isinstance(a, dict) else str(a) for a in record.authors or []]
    return {
        "title": record.title, "authors": [a for a in authors if a], "isbns": list(record.isbns or []),
        "publisher": record.publisher, "year": record.year, "edition": record.edition, "urid": record.urid,
    }


def held_locally(borrower: Library, record: UnionRecord) -> int:
    """Loanable copies of ``record`` on the borrower's own shelf now (its live catalogue)."""
    from tenants.catalogue.models import Item
    from tenants.catalogue.workflow import loanable_q

    instance_ids = list(UnionHolding.objects.filter(union_record=record, library=borrower)
                        .values_list("instance_id", flat=True))
    if not instance_ids:
        return 0
    with tenant_context(borrower):
        return Item.objects.filter(holdings__instance_id__in=instance_ids).filter(loanable_q()).count()


def check_reader(borrower: Library, reader, *, today: dt.date) -> tuple[int, int | None]:
    """Refuse a reader who may not borrow now (card, overdue items, open charges); their ids.

    The desk's own checks (``check_card``, ``overdue_loans`` under the library's circulation
    policy) decide; an open charge also blocks, as an ILL loan is lent on the library's word.
    """
    from circulation.exceptions import Refused
    from circulation.models import Charge, CirculationPolicy, Reader
    from circulation.services.desk import check_card, overdue_loans

    with tenant_context(borrower):
        found = Reader.objects.filter(pk=getattr(reader, "pk", reader)).first()
        if found is None:
            raise RequestRefused(_("This reader is not known to the library."), code="reader_blocked")
        try:
            check_card(found)
        except Refused as refusal:
            raise RequestRefused(refusal.message, code="reader_blocked") from refusal
        if CirculationPolicy.current().block_when_overdue and overdue_loans(found, today).exists():
            raise RequestRefused(_("The reader has overdue items; they must be returned first."),
                                 code="reader_blocked")
        if Charge.objects.filter(reader=found, status=Charge.Status.OPEN).exists():
            raise RequestRefused(_("The reader has charges to settle first."), code="reader_blocked")
        return found.pk, found.user_id


def _lock_reader_requests(borrower: Library, reader_id: int) -> None:
    """One placement at a time per reader (the duplicate check then cannot be raced)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", [f"ill_request.{borrower.pk}.{reader_id}"])


def place_request(*, borrower, union_record, reader=None, service_type=ServiceType.LOAN, needed_by=None,
                  pickup_point="", note="", pages="", part_title="", max_cost=None, by_staff=False,
                  override_local_copy=False, actor=None, now: dt.datetime | None = None) -> IllRequest:
    """Place a request for ``union_record`` by (or for) ``reader`` of ``borrower``.

    Raises ``RequestRefused`` with ``code``: ``not_borrowing``, ``no_record``, ``reader_blocked``,
    ``duplicate``, ``held_locally`` (staff may override with ``override_local_copy``).
    """
    from ill.services import notify, rota
    from ill.services.transitions import audit_request, next_request_number

    now = now or timezone.now()
    borrower = Library.objects.get(pk=getattr(borrower, "pk", borrower))
    if not (borrower.ill_borrowing and borrower.is_active):
        raise RequestRefused(_("This library does not borrow through interlibrary loan."), code="not_borrowing")
    record = UnionRecord.objects.filter(pk=getattr(union_record, "pk", union_record)).first()
    if record is None or record.deleted:
        raise RequestRefused(_("This record is no longer in the union catalogue."), code="no_record")
    if service_type not in ServiceType.values:
        raise RequestRefused(_("Unknown service type."), code="bad_service_type")
    if reader is None and not by_staff:
        raise RequestRefused(_("A reader's request needs the reader."), code="reader_blocked")

    with transaction.atomic():
        reader_id = reader_user_id = None
        if reader is not None:
            reader_id, reader_user_id = check_reader(borrower, reader, today=timezone.localtime(now).date())
            _lock_reader_requests(borrower, reader_id)
            if IllRequest.objects.filter(borrower=borrower, reader_id=reader_id, union_record=record,
                                         status__in=REQUESTER_OPEN).exists():
                raise RequestRefused(_("The reader already has an open request for this title."), code="duplicate")
        local = held_locally(borrower, record)
        overridden = bool(local and by_staff and override_local_copy)
        if local and not overridden:
            raise RequestRefused(
                _("A copy is on our own shelf (%(count)s); lend that one instead.") % {"count": local},
                code="held_locally")
        needs_approval = not by_staff and LibraryIllSettings.for_library(borrower).needs_approval()
        request = IllRequest.objects.create(
            number=next_request_number(), borrower=borrower, reader_id=reader_id, reader_user_id=reader_user_id,
            union_record=record, bib=bib_of(record), service_type=service_type, needed_by=needed_by,
            pickup_point=pickup_point, note=note, pages=pages, part_title=part_title, max_cost=max_cost,
            status=R.AWAITING_APPROVAL if needs_approval else R.SOURCING, placed_by=_actor_name(actor),
            placed_by_staff=by_staff, local_copy_override=overridden, status_changed_at=now)
        audit_request(request, "placed", actor=actor,
                      note=_("placed although a copy is on our shelf") if overridden else "")
        if needs_approval:
            notify.request_changed(request, "placed")
        else:
            rota.start(request, actor=actor, now=now)
    request.refresh_from_db()
    return request


def _actor_name(actor) -> str:
    from core.workflow import actor_parts

    return actor_parts(actor)[1]


def approve(request: IllRequest, *, actor, now: dt.datetime | None = None) -> IllRequest:
    """The borrowing library lets a reader's request go out: the rota starts."""
    from ill.services import notify, rota
    from ill.services.transitions import advance_request

    with transaction.atomic():
        advance_request(request, "approve", actor=actor)
        notify.request_changed(request, "approved")
        rota.start(request, actor=actor, now=now)
    request.refresh_from_db()
    return request


def reject(request: IllRequest, *, actor, note: str = "") -> IllRequest:
    from ill.services import notify
    from ill.services.transitions import advance_request

    with transaction.atomic():
        advance_request(request, "reject", actor=actor, note=note)
        notify.request_changed(request, "rejected")
    return request


def cancel(request: IllRequest, *, actor, note: str = "") -> IllRequest:
    """Cancel: at once before a lender has it; while a lender has it, ask the lender to cancel.

    A member lender that has not shipped cancels in the same step (the request ends ``cancelled``);
    a peer answers later (``cancel_pending`` until then).
    """
    from ill.services import notify, rota
    from ill.services.transitions import advance_request

    with transaction.atomic():
        if request.status in WITH_LENDER:
            advance_request(request, "ask_cancel", actor=actor, note=note)
        else:
            advance_request(request, "cancel", actor=actor, note=note)
        request.refresh_from_db()
        if request.status == R.CANCELLED:
            rota.cancel_waiting(request)
        notify.request_changed(request, "cancelled")
    return request


def rerota(request: IllRequest, *, actor, now: dt.datetime | None = None) -> IllRequest:
    """Try the lenders again after the end of the rota: a new round, built afresh."""
    from ill.services import rota
    from ill.services.transitions import advance_request

    with transaction.atomic():
        advance_request(request, "rerota", actor=actor)
        rota.start(request, actor=actor, now=now)
    request.refresh_from_db()
    return request
