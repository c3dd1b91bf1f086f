"""A reader's ILL pages: the request form reached from the OPAC record page, and "my requests".

A reader signs in at their own library (card and PIN) and is known here by their opaque account;
their card is read in their library's schema. They see only requests placed for that account.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from core.exceptions import UserError
from ill.exceptions import RequestRefused
from ill.models import IllRequest, LibraryIllSettings, Notification
from ill.web.common import signed_in_reader
from ill.web.forms import RequestForm
from ill.workflow import REQUESTER, REQUESTER_FINAL
from union.models import UnionHolding, UnionRecord

R = IllRequest.Status
# States in which a reader may cancel (or ask the lender to cancel) their own request.
CANCELLABLE = frozenset(REQUESTER.action("cancel").sources | REQUESTER.action("ask_cancel").sources)


def record_or_404(urid: str) -> UnionRecord:
    record = UnionRecord.objects.filter(urid=urid, deleted=False).first()
    if record is None:
        raise Http404
    return record


def local_copies(library, record) -> list[dict]:
    """Where the borrowing library's own copies of ``record`` are (for the held_locally refusal)."""
    return [
        {"call_number": h.call_number, "available": h.items_available, "loanable": h.items_loanable,
         "total": h.items_total}
        for h in UnionHolding.objects.filter(union_record=record, library=library)
    ]


def refusal_context(exc: RequestRefused, library, record) -> dict:
    code = getattr(exc, "code", "refused")
    return {"refusal": {"code": code, "message": exc.message,
                        "copies": local_copies(library, record) if code == "held_locally" else []}}


def place_from_form(form, *, borrower, record, reader, actor, by_staff=False, override=False):
    from ill.services import requests

    data = form.cleaned_data
    return requests.place_request(
        borrower=borrower, union_record=record, reader=reader, service_type=data["service_type"],
        needed_by=data.get("needed_by"), pickup_point=data.get("pickup_point") or "", note=data.get("note", ""),
        pages=data.get("pages", ""), part_title=data.get("part_title", ""), max_cost=data.get("max_cost"),
        by_staff=by_staff, override_local_copy=override, actor=actor)


@login_required
@require_http_methods(["GET", "POST"])
def request_form(request, urid):
    """/ill/request/<urid>/: a reader asks for a title through interlibrary loan."""
    here = signed_in_reader(request)
    record = record_or_404(urid)
    if here is None:
        return render(request, "ill/no_card.html", status=404)
    settings = LibraryIllSettings.for_library(here.library)
    form = RequestForm(request.POST or None, pickup_points=settings.pickup_points)
    context = {"record": record, "library": here.library, "form": form}
    if request.method == "POST" and form.is_valid():
        try:
            placed = place_from_form(form, borrower=here.library, record=record, reader=here.reader,
                                     actor=request.user)
        except RequestRefused as exc:
            context.update(refusal_context(exc, here.library, record))
        except UserError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("Your request %(number)s has been placed.") % {"number": placed.number})
            return redirect("ill-my-requests")
    return render(request, "ill/request_form.html", context)


def copy_link(ill_request):
    """The download link of a delivered copy (the copies module's), or None."""
    from ill.services import copies

    delivery = copies.link_for(ill_request)
    if delivery is None or delivery.deleted_at or delivery.expires_at < timezone.now():
        return None
    return {"url": reverse("ill-copy", args=[delivery.token]), "expires_at": delivery.expires_at,
            "left": max(delivery.max_downloads - delivery.downloads, 0)}


@login_required
@require_http_methods(["GET"])
def my_requests(request):
    """/ill/my/: the reader's own requests, what to do next, and their notices."""
    here = signed_in_reader(request)
    if here is None:
        return render(request, "ill/no_card.html", status=404)
    rows = []
    for item in IllRequest.objects.filter(reader_user_id=request.user.pk).select_related("borrower")[:200]:
        rows.append({
            "request": item,
            "open": item.status not in REQUESTER_FINAL,
            "cancellable": item.status in CANCELLABLE,
            "ready": item.status == R.RECEIVED,
            "copy": copy_link(item) if item.status == R.COPY_DELIVERED else None,
        })
    from ill.services import notify

    notices = [{"notification": n, "text": notify.render(n)}
               for n in Notification.objects.filter(reader_user_id=request.user.pk)[:30]]
    return render(request, "ill/my_requests.html", {"library": here.library, "rows": rows, "notices": notices})


@login_required
@require_POST
def my_cancel(request, pk):
    """A reader cancels their own request (the lender is asked when it already has it)."""
    from ill.services import requests

    here = signed_in_reader(request)
    if here is None:
        return render(request, "ill/no_card.html", status=404)
    item = IllRequest.objects.filter(pk=pk, reader_user_id=request.user.pk).first()
    if item is None:
        raise Http404
    try:
        requests.cancel(item, actor=request.user, note=request.POST.get("note", "")[:500])
    except UserError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Request %(number)s: cancellation done or asked.") % {"number": item.number})
    return redirect("ill-my-requests")


@login_required
@require_POST
def my_notices_read(request):
    from ill.services import notify

    signed_in_reader(request)
    own = Notification.objects.filter(reader_user_id=request.user.pk).values_list("pk", flat=True)
    notify.mark_read(request.user, ids=list(own))
    return redirect("ill-my-requests")
