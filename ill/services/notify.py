"""Notices at each step of a request: in-app (``Notification``) and by e-mail through Django's mail.

Staff of the library concerned hear of new incoming requests and of every answer; the reader (by
opaque account) hears when the item is ready to collect, when a copy can be downloaded, when a
request is not approved, cancelled or cannot be filled, and when the lender wants the item back.

A notice keeps its message as an English msgid and its parameters, so each viewer reads it in
their own language (``render``). E-mails go after the commit: to the library's ILL address
(``LibraryIllSettings.notify_email``, else ``Library.contact_email``), and to the reader's address,
looked up at send time in the reader's own library's schema; no address is ever kept in the
public schema.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Q, QuerySet
from django.urls import NoReverseMatch, reverse
from django.utils import timezone, translation
from django.utils.translation import gettext, gettext_noop

from ill.models import IllRequest, LibraryIllSettings, Notification, Supply

log = logging.getLogger(__name__)

# kind -> (English msgid, e-mailed?). The msgids are translated when shown (``render``).
STAFF_MESSAGES = {
    "new_supply": (gettext_noop("New incoming request %(number)s from %(borrower)s: %(title)s"), True),
    "expect_to_supply": (gettext_noop("%(lender)s expects to supply %(title)s (request %(number)s)."), False),
    "will_supply": (gettext_noop("%(lender)s will supply %(title)s (request %(number)s)."), True),
    "condition": (gettext_noop("%(lender)s asks you to accept a condition for %(title)s (request %(number)s): "
                     "%(condition)s %(note)s"), True),
    "unfilled": (gettext_noop("%(lender)s cannot supply %(title)s (request %(number)s): %(reason)s"), False),
    "shipped": (gettext_noop("%(lender)s shipped %(title)s (request %(number)s), due back %(due_on)s."), True),
    "copy_ready": (gettext_noop("The copy of %(title)s (request %(number)s) has arrived."), False),
    "overdue": (gettext_noop("%(title)s (request %(number)s) is overdue at %(lender)s."), True),
    "recalled": (gettext_noop("%(lender)s recalls %(title)s (request %(number)s)."), True),
    "renewal": (gettext_noop("%(lender)s answered the renewal of %(title)s (request %(number)s): due back %(due_on)s."),
                True),
    "completed": (gettext_noop("%(lender)s checked %(title)s (request %(number)s) back in."), False),
    "cancelled": (gettext_noop("Request %(number)s (%(title)s) was cancelled."), True),
    "end_rota": (gettext_noop("No lender could supply %(title)s (request %(number)s); try the lenders again or cancel."),
                 True),
    "lender_message": (gettext_noop("%(lender)s about %(title)s (request %(number)s): %(note)s"), True),
    "placed": (gettext_noop("A reader asks for %(title)s (request %(number)s); it waits for your approval."), True),
    "peer_error": (gettext_noop("Request %(number)s (%(title)s) could not be sent to the other system. %(note)s"), True),
    "changed": (gettext_noop("Request %(number)s (%(title)s): %(action)s"), False),
    # The lender's side.
    "borrower_cancelled": (gettext_noop("%(borrower)s cancelled request %(number)s (%(title)s)."), True),
    "return_shipped": (gettext_noop("%(borrower)s shipped %(title)s back (request %(number)s)."), True),
    "renewal_asked": (gettext_noop("%(borrower)s asks to renew %(title)s (request %(number)s)."), True),
    "condition_answered": (gettext_noop("%(borrower)s answered your condition on %(title)s (request %(number)s)."), True),
    "borrower_message": (gettext_noop("%(borrower)s about %(title)s (request %(number)s): %(note)s"), True),
}
READER_MESSAGES = {
    "approved": (gettext_noop("Your request for %(title)s was approved; we are asking other libraries."), False),
    "rejected": (gettext_noop("Your request for %(title)s was not approved. %(note)s"), True),
    "ready_for_pickup": (gettext_noop("%(title)s has arrived for you; collect it at %(pickup_point)s."), True),
    "copy_ready": (gettext_noop("Your copy of %(title)s is ready: %(link)s (until %(expires)s)."), True),
    "end_rota": (gettext_noop("Sorry, no library could supply %(title)s."), True),
    "cancelled": (gettext_noop("Your request for %(title)s was cancelled. %(note)s"), True),
    "overdue": (gettext_noop("Please return %(title)s: the library that lent it needs it back."), True),
    "recalled": (gettext_noop("Please return %(title)s: the library that lent it has recalled it."), True),
}
# The lender's ISO 18626 status -> the borrower's staff notice.
_ON_STATUS = {
    "ExpectToSupply": "expect_to_supply",
    "WillSupply": "will_supply",
    "Unfilled": "unfilled",
    "RetryPossible": "unfilled",
    "Loaned": "shipped",
    "CopyCompleted": "copy_ready",
    "Overdue": "overdue",
    "Recalled": "recalled",
    "LoanCompleted": "completed",
    "CompletedWithoutReturn": "completed",
    "Cancelled": "cancelled",
}
# The borrower's ISO 18626 action -> the lender's staff notice.
_ON_ACTION = {
    "Cancel": "borrower_cancelled",
    "ShippedReturn": "return_shipped",
    "Renew": "renewal_asked",
    "Notification": "borrower_message",
    "peer_error": "peer_error",
}


# --- The steps ---------------------------------------------------------------------------------

def new_supply(supply: Supply) -> None:
    """A lender's staff: a new incoming request."""
    _to_library(supply.lender, "new_supply", _supply_params(supply), supply=supply)


def request_news(request: IllRequest, news) -> None:
    """The borrower's staff (and the reader where it concerns them): the lender's message ``news``."""
    if request.lender_id is None and request.lender_peer_id is None:
        return
    if news.reason == "RenewResponse":
        kind = "renewal"
    elif news.loan_condition and request.status == IllRequest.Status.CONDITION:
        kind = "condition"
    elif news.status in ("Loaned", "WillSupply") and news.reason == "Notification":
        kind = "lender_message"
    else:
        kind = _ON_STATUS.get(news.status)
    if kind is None:
        return
    if kind == "cancelled" and request.status != IllRequest.Status.CANCELLED:
        kind = "unfilled"  # the lender withdrew; the rota moves on, the request stands
    if kind == "shipped" and request.status not in (IllRequest.Status.SHIPPED, IllRequest.Status.CANCEL_PENDING):
        return  # a repeat of Loaned while the item is with us changes nothing worth a notice
    params = _request_params(request, note=news.note, reason=news.reason_unfilled or news.reason_retry,
                             condition=news.loan_condition, due_on=news.due_on)
    _to_library(request.borrower, kind, params, request=request)
    if kind in ("overdue", "recalled") and request.status == IllRequest.Status.WITH_READER:
        _to_reader(request, kind, params)
    if kind == "cancelled":
        _to_reader(request, kind, params)


def supply_news(supply: Supply, iso_action: str, note: str) -> None:
    """The lender's staff: the borrower's action (Cancel, ShippedReturn, Renew, Notification)."""
    kind = _ON_ACTION.get(iso_action)
    if kind is None:
        return
    if kind == "borrower_message":
        from ill.workflow import CONDITION_ACCEPTED

        if note.startswith(CONDITION_ACCEPTED):
            kind, note = "condition_answered", note[len(CONDITION_ACCEPTED):].strip()
    _to_library(supply.lender, kind, _supply_params(supply, note=note), supply=supply)


def request_changed(request: IllRequest, action: str) -> None:
    """The borrower's own step: approved, rejected, cancelled, ready_for_pickup, copy_ready, end_rota,
    overdue, recalled (the reader hears); placed (awaits approval), peer_error, end_rota, cancelled and
    copy_ready reach the staff."""
    params = _request_params(request)
    if action == "copy_ready":
        params.update(_copy_link(request))
    if action in READER_MESSAGES:
        _to_reader(request, action, params)
    if action in ("end_rota", "cancelled", "copy_ready") or (action in STAFF_MESSAGES
                                                              and action not in READER_MESSAGES):
        _to_library(request.borrower, action, params, request=request)
    elif action not in READER_MESSAGES:
        _to_library(request.borrower, "changed", {**params, "action": action}, request=request)


# --- Reading them --------------------------------------------------------------------------------

def render(notification: Notification, language: str | None = None) -> str:
    """The notice in ``language`` (default: the active one)."""
    if language:
        with translation.override(language):
            return render(notification)
    try:
        return gettext(notification.message) % _readable(notification.params)
    except (KeyError, TypeError, ValueError):
        return gettext(notification.message)


def _readable(params: dict) -> dict:
    """Codes among the parameters (a workflow action, an ISO 18626 reason) as words of the reader's language."""
    from ill.iso18626 import codes
    from ill.workflow import REQUESTER, SUPPLIER

    shown = dict(params)
    action = shown.get("action")
    if action:
        for workflow in (REQUESTER, SUPPLIER):
            try:
                shown["action"] = str(workflow.action(action).label)
                break
            except ValueError:
                continue
    reason = shown.get("reason")
    if reason:
        for code_list in (codes.REASONS_UNFILLED, codes.REASONS_RETRY, codes.LOAN_CONDITIONS):
            if reason in code_list:
                shown["reason"] = str(codes.label(code_list, reason))
                break
    return shown


def staff_libraries(user):
    """Libraries whose ILL notices ``user`` reads: where they are ILL staff or administrator by a
    membership of the library itself (a coordinator's region gives none)."""
    from tenants.models import Library, Membership, Role

    if not user or not user.is_authenticated:
        return Library.objects.none()
    ids = Membership.objects.filter(user=user, library__isnull=False,
                                    role__in=(Role.ILL_STAFF, Role.LIBRARY_ADMIN)).values_list("library_id")
    return Library.objects.filter(pk__in=ids)


def for_user(user, *, unread: bool = False) -> QuerySet[Notification]:
    """The notices ``user`` reads: their libraries' (staff) and their own (a reader)."""
    if not user or not user.is_authenticated:
        return Notification.objects.none()
    found = Notification.objects.filter(Q(library__in=staff_libraries(user)) | Q(reader_user_id=user.pk))
    if unread:
        found = found.filter(read_at__isnull=True)
    return found.select_related("request", "supply")


def mark_read(user, ids=None) -> int:
    """Mark ``user``'s notices read (those of ``ids``, or all); the number marked."""
    found = for_user(user, unread=True)
    if ids is not None:
        found = found.filter(pk__in=list(ids))
    return Notification.objects.filter(pk__in=list(found.values_list("pk", flat=True))).update(
        read_at=timezone.now())


# --- Writing and mailing ---------------------------------------------------------------------------

def _title(bib) -> str:
    return (bib or {}).get("title", "") or "—"


def _name(library) -> str:
    return library.name if library is not None else ""


def _request_params(request: IllRequest, *, note: str = "", reason: str = "", condition: str = "",
                    due_on=None) -> dict:
    lender = request.lender.name if request.lender_id else (request.lender_peer.name if request.lender_peer_id
                                                             else "")
    return {"number": request.number, "title": _title(request.bib), "lender": lender,
            "borrower": _name(request.borrower), "note": note or "", "reason": reason or "",
            "condition": condition or request.loan_condition, "pickup_point": request.pickup_point or "—",
            "due_on": str(due_on or request.lender_due_on or "")}


def _supply_params(supply: Supply, *, note: str = "") -> dict:
    borrower = _name(supply.borrower) if supply.borrower_id else (
        supply.requester_peer.name if supply.requester_peer_id else "")
    return {"number": supply.number, "request": supply.requester_request_id, "title": _title(supply.bib),
            "borrower": borrower, "note": note or "", "due_on": str(supply.due_on or "")}


def _copy_link(request: IllRequest) -> dict:
    from ill.services import copies

    link_for = getattr(copies, "link_for", None)
    delivery = link_for(request) if link_for else None
    if delivery is None:
        return {"link": "", "expires": ""}
    try:
        link = reverse("ill-copy", kwargs={"token": delivery.token})  # the reader's download page
    except NoReverseMatch:
        link = f"/ill/copies/{delivery.token}/"
    return {"link": link, "expires": str(timezone.localtime(delivery.expires_at).date())}


def _repeat(recipient: Q, kind: str, request=None, supply=None) -> bool:
    """The same notice as the latest one this recipient got of this request: said once is enough."""
    if request is None and supply is None:
        return False
    latest = Notification.objects.filter(recipient, request=request, supply=supply).order_by("-created_at", "-id")
    last = latest.values_list("kind", flat=True).first()
    return last == kind


def _to_library(library, kind: str, params: dict, *, request=None, supply=None) -> Notification | None:
    if library is None:
        return None
    message, emailed = STAFF_MESSAGES[kind]
    if _repeat(Q(library=library), kind, request, supply):
        return None
    notice = Notification.objects.create(library=library, request=request, supply=supply, kind=kind,
                                         message=message, params=params)
    if emailed:
        _mail_later(notice.pk)
    return notice


def _to_reader(request: IllRequest, kind: str, params: dict) -> Notification | None:
    if not request.reader_user_id and not request.reader_id:
        return None
    message, emailed = READER_MESSAGES[kind]
    if _repeat(Q(reader_user_id=request.reader_user_id, library__isnull=True), kind, request):
        return None
    notice = Notification.objects.create(reader_user_id=request.reader_user_id, request=request, kind=kind,
                                         message=message, params=params)
    if emailed:
        _mail_later(notice.pk)
    return notice


def _mail_later(pk: int) -> None:
    transaction.on_commit(lambda: send_notice(pk))


def library_address(library) -> str:
    own = LibraryIllSettings.objects.filter(library=library).values_list("notify_email", flat=True).first()
    return own or library.contact_email


def reader_address(request: IllRequest) -> str:
    """The reader's e-mail, read now from their own library's schema (never kept in public)."""
    from django_tenants.utils import schema_context

    from circulation.models import Reader

    with schema_context(request.borrower.schema_name):
        found = Reader.objects.all()
        found = found.filter(pk=request.reader_id) if request.reader_id else found.filter(
            user_id=request.reader_user_id)
        return found.values_list("email", flat=True).first() or ""


def send_notice(pk: int) -> bool:
    """E-mail one notice (in the site's first language); True when sent."""
    notice = Notification.objects.select_related("library", "request__borrower").filter(pk=pk).first()
    if notice is None or notice.emailed:
        return False
    if notice.library_id:
        address = library_address(notice.library)
    elif notice.request_id:
        address = reader_address(notice.request)
    else:
        address = ""
    if not address:
        return False
    with translation.override(settings.LANGUAGE_CODE):
        body = render(notice)
        subject = gettext("Interlibrary loan: %(number)s") % {"number": notice.params.get("number", "")}
    try:
        send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [address])
    except Exception:  # a mail server down must not undo the step that was taken
        log.exception("ILL notice %s could not be mailed", pk)
        return False
    Notification.objects.filter(pk=pk).update(emailed=True)
    return True
