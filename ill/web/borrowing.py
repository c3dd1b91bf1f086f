"""The borrowing library's ILL pages: its queue by stage, one request in full, and its actions.

``/ill/lib/<code>/`` is the queue (tabs by stage with counts, ages, stuck ones flagged);
``/ill/lib/<code>/requests/<pk>/`` one request: the rota and why each lender was chosen or
skipped, every lender's answer, the history and the ISO 18626 messages; the buttons are the
actions the state table allows and a member of staff may take (POST forms). These pages are the
borrowing library's own: they name its readers. A request of another library is a 404.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Count
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from core.exceptions import UserError
from ill.exceptions import RequestRefused
from ill.iso18626 import codes
from ill.models import IllMessage, IllRequest, LibraryIllSettings, Notification, Peer, RotaEntry
from ill.web.common import age_days, readable_history, reader_by_card, reader_names, staff_library, stuck_days
from ill.web.forms import StaffRequestForm
from ill.web.reader import place_from_form, record_or_404, refusal_context
from ill.workflow import REQUESTER, REQUESTER_FINAL

R = IllRequest.Status

# The queue's tabs, in the order work flows; every state is in exactly one.
TABS = {
    "approval": (gettext_lazy("Awaiting approval"), (R.AWAITING_APPROVAL,)),
    "progress": (gettext_lazy("In progress"), (R.SOURCING, R.REQUESTED, R.EXPECT_TO_SUPPLY, R.WILL_SUPPLY,
                                               R.CANCEL_PENDING, R.RETURN_SHIPPED, R.LOST)),
    "condition": (gettext_lazy("Condition to decide"), (R.CONDITION,)),
    "receive": (gettext_lazy("To receive"), (R.SHIPPED,)),
    "desk": (gettext_lazy("At the desk"), (R.RECEIVED, R.WITH_READER)),
    "ship_back": (gettext_lazy("To ship back"), (R.RETURNED_BY_READER,)),
    "end_of_rota": (gettext_lazy("End of rota"), (R.END_OF_ROTA,)),
    "done": (gettext_lazy("Done"), tuple(sorted(REQUESTER_FINAL))),
}
QUEUE_SIZE = 200


def _service(name):
    """The service function behind each staff button (``ill.services`` modules by their owners)."""
    from ill.services import borrowing, requests

    return {
        "approve": requests.approve,
        "reject": requests.reject,
        "cancel": requests.cancel,
        "ask_cancel": requests.cancel,
        "rerota": requests.rerota,
        "accept_condition": borrowing.accept_condition,
        "decline_condition": borrowing.decline_condition,
        "receive": borrowing.receive,
        "lend_to_reader": borrowing.lend_to_reader,
        "reader_returned": borrowing.reader_returned,
        "ship_return": borrowing.ship_return,
        "declare_lost": borrowing.declare_lost,
        "ask_renewal": borrowing.ask_renewal,
    }[name]


# Buttons staff press (the other actions of the table follow a lender's message).
STAFF_ACTIONS = ("approve", "reject", "accept_condition", "decline_condition", "receive", "lend_to_reader",
                 "reader_returned", "ship_return", "rerota", "declare_lost", "cancel", "ask_cancel")
WITH_NOTE = frozenset({"reject", "cancel", "ask_cancel"})
RENEWABLE = frozenset({R.RECEIVED, R.WITH_READER})


def staff_actions(item: IllRequest) -> list[dict]:
    allowed = set(REQUESTER.allowed_actions(item.status, item))
    actions = [{"name": name, "label": REQUESTER.action(name).label, "note": name in WITH_NOTE}
               for name in STAFF_ACTIONS if name in allowed]
    if item.status in RENEWABLE and not item.renewal_pending and item.lender_id:
        actions.append({"name": "ask_renewal", "label": _("ask the lender for a renewal"), "note": False})
    return actions


def tab_of(status: str) -> str:
    return next(key for key, (_label, states) in TABS.items() if status in states)


@login_required
@require_http_methods(["GET"])
def queue(request, code):
    library = staff_library(request, code)
    counts = dict(IllRequest.objects.filter(borrower=library).values_list("status").annotate(n=Count("pk"))
                  .values_list("status", "n"))
    tab = request.GET.get("tab")
    if tab not in TABS:
        tab = next((key for key, (_label, states) in TABS.items()
                    if key != "done" and any(counts.get(s) for s in states)), "progress")
    states = TABS[tab][1]
    items = list(IllRequest.objects.filter(borrower=library, status__in=states)
                 .select_related("lender", "lender_peer").order_by("status_changed_at", "pk")[:QUEUE_SIZE]
                 if tab != "done" else
                 IllRequest.objects.filter(borrower=library, status__in=states)
                 .select_related("lender", "lender_peer").order_by("-status_changed_at", "-pk")[:QUEUE_SIZE])
    names = reader_names(library, [i.reader_id for i in items])
    limit = stuck_days()
    rows = [{"request": i, "reader": names.get(i.reader_id, ""), "age": age_days(i.status_changed_at),
             "stuck": i.status not in REQUESTER_FINAL and age_days(i.status_changed_at) > limit} for i in items]
    tabs = [{"key": key, "label": label, "count": sum(counts.get(s, 0) for s in tab_states), "current": key == tab}
            for key, (label, tab_states) in TABS.items()]
    notices = Notification.objects.filter(library=library, read_at__isnull=True)[:10]
    from ill.services import notify

    return render(request, "ill/borrowing/queue.html", {
        "library": library, "tab": tab, "tabs": tabs, "rows": rows, "stuck_days": limit,
        "notices": [{"notification": n, "text": notify.render(n)} for n in notices]})


def _request_or_404(library, pk) -> IllRequest:
    item = IllRequest.objects.filter(pk=pk, borrower=library).select_related(
        "borrower", "lender", "lender_peer", "union_record").first()
    if item is None:
        raise Http404
    return item


def _rota_rows(item: IllRequest) -> list[dict]:
    from ill.services import rota

    rows = []
    for entry in RotaEntry.objects.filter(request=item).select_related("lender", "peer").order_by("round", "position"):
        rows.append({"entry": entry, "why": rota.explain(entry),
                     "outcome_label": codes.label(codes.REASONS_UNFILLED, entry.outcome_code)
                     if entry.outcome_code in codes.REASONS_UNFILLED else entry.outcome_code})
    return rows


@login_required
@require_http_methods(["GET"])
def detail(request, code, pk):
    library = staff_library(request, code)
    item = _request_or_404(library, pk)
    supplies = [{"supply": s, "reason": codes.label(codes.REASONS_UNFILLED, s.reason_unfilled)
                 if s.reason_unfilled else (codes.label(codes.REASONS_RETRY, s.reason_retry) if s.reason_retry else ""),
                 "condition": codes.label(codes.LOAN_CONDITIONS, s.loan_condition) if s.loan_condition else ""}
                for s in item.supplies.select_related("lender").order_by("created_at", "pk")]
    return render(request, "ill/borrowing/detail.html", {
        "library": library, "item": item, "reader": reader_names(library, [item.reader_id]).get(item.reader_id, ""),
        "status_label": REQUESTER.label(item.status), "tab": tab_of(item.status),
        "rota": _rota_rows(item), "supplies": supplies,
        "condition_label": codes.label(codes.LOAN_CONDITIONS, item.loan_condition) if item.loan_condition else "",
        "history": readable_history(item.status_changes.order_by("at", "pk"), REQUESTER),
        "messages_exchanged": item.messages.order_by("created_at", "pk"),
        "actions": staff_actions(item),
        "peers": (Peer.objects.filter(active=True, lends=True).order_by("name")
                  if item.status in (R.SOURCING, R.END_OF_ROTA) else Peer.objects.none()),
        "stuck": item.status not in REQUESTER_FINAL and age_days(item.status_changed_at) > stuck_days(),
    })


@login_required
@require_POST
def act(request, code, pk):
    """One staff button: the service behind it, then back to the request with what happened."""
    library = staff_library(request, code)
    item = _request_or_404(library, pk)
    name = request.POST.get("action", "")
    if name not in {a["name"] for a in staff_actions(item)}:
        messages.error(request, _("That cannot be done to this request now."))
        return redirect("ill-request-detail", code=library.code, pk=item.pk)
    service = _service(name)
    note = request.POST.get("note", "")[:1000]
    try:
        if name in WITH_NOTE:
            service(item, actor=request.user, note=note)
        else:
            service(item, actor=request.user)
    except UserError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Request %(number)s: %(action)s — done.") % {
            "number": item.number,
            "action": REQUESTER.action(name).label if name != "ask_renewal" else _("renewal asked")})
    return redirect("ill-request-detail", code=library.code, pk=item.pk)


@login_required
@require_POST
def offer_to_peer(request, code, pk):
    """Put a configured peer (another ILL system) on the request's rota and ask it when its turn comes."""
    from ill.services import peers

    library = staff_library(request, code)
    item = _request_or_404(library, pk)
    peer = Peer.objects.filter(pk=request.POST.get("peer") or 0, active=True, lends=True).first()
    if peer is None or item.status not in (R.SOURCING, R.END_OF_ROTA):
        messages.error(request, _("That cannot be done to this request now."))
        return redirect("ill-request-detail", code=library.code, pk=item.pk)
    try:
        peers.offer_to_peer(item, peer, actor=request.user)
    except UserError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Request %(number)s was offered to %(peer)s.") % {
            "number": item.number, "peer": peer.name})
    return redirect("ill-request-detail", code=library.code, pk=item.pk)


@login_required
@require_http_methods(["GET", "POST"])
def place_for_reader(request, code, urid):
    """/ill/lib/<code>/request/<urid>/: staff place a request for one of their readers by card."""
    library = staff_library(request, code)
    record = record_or_404(urid)
    settings = LibraryIllSettings.for_library(library)
    form = StaffRequestForm(request.POST or None, pickup_points=settings.pickup_points)
    context = {"record": record, "library": library, "form": form, "staff": True}
    if request.method == "POST" and form.is_valid():
        reader = reader_by_card(library, form.cleaned_data["card_number"])
        if reader is None:
            form.add_error("card_number", _("No reader of this library has that card."))
        else:
            try:
                placed = place_from_form(form, borrower=library, record=record, reader=reader, actor=request.user,
                                         by_staff=True, override=form.cleaned_data.get("override_local_copy", False))
            except RequestRefused as exc:
                context.update(refusal_context(exc, library, record))
            except UserError as exc:
                form.add_error(None, exc.message)
            else:
                messages.success(request, _("Request %(number)s has been placed.") % {"number": placed.number})
                return redirect("ill-request-detail", code=library.code, pk=placed.pk)
    return render(request, "ill/request_form.html", context)


@login_required
@require_http_methods(["GET"])
def message_xml(request, code, pk):
    """The XML of one ISO 18626 message of this library's requests or supplies, as text."""
    library = staff_library(request, code)
    message = IllMessage.objects.filter(pk=pk).select_related("request", "supply").first()
    if message is None:
        raise Http404
    mine = (message.request_id and message.request.borrower_id == library.pk) or (
        message.supply_id and message.supply.lender_id == library.pk)
    if not mine:
        raise Http404
    return HttpResponse(message.body, content_type="text/plain; charset=utf-8")
