"""The desk page of one library (/lib/<code>/desk/), built for keyboard-wedge barcode scanners.

One scan field takes everything: in check-out mode the first scan is a reader's card, the next
ones items lent to that reader (a card scanned later switches reader); in check-in and renew
modes every scan is an item. The page is a plain form posting to itself and rendering the
answer, so it works without JavaScript; with it, htmx posts the scan and swaps the result in
place, and the desk script keeps the focus in the field, clears the reader on Esc and plays a
short tone per outcome.

Nothing about readers is kept in the session (it lives in the public schema): the current
reader's card travels in the form, and "this session's actions" are read back from the desk
log of the library's own schema.
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.shortcuts import render
from django.urls import path
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from circulation.exceptions import NotFound, UserError
from circulation.models import DeskEvent, Reader, SchoolClass
from circulation.services import desk
from tenants.catalogue.models import Item
from tenants.models import Role
from tenants.services import access

MODES = {
    "checkout": gettext_lazy("Check out"),
    "checkin": gettext_lazy("Check in"),
    "renew": gettext_lazy("Renew"),
}
# Outcomes the page colours as done; every other code is a refusal or a question.
DONE = {"ok", "late", "found", "reader"}
SESSION_ACTIONS = 30


def _check(request, role: str = Role.DESK_HELPER) -> None:
    if not access.has_own_role(request.user, request.library, role):
        raise PermissionDenied


def _started_key(library) -> str:
    return f"desk_started_{library.code}"


def _session_started(request):
    """When this sign-in started working at this library's desk (the session keeps only the time)."""
    key = _started_key(request.library)
    started = parse_datetime(request.session.get(key, "") or "")
    if started is None:
        started = timezone.now()
        request.session[key] = started.isoformat()
    return started


def _session_actions(request):
    started = _session_started(request)
    return list(DeskEvent.objects.filter(actor_id=request.user.pk, at__gte=started)
                .exclude(action=DeskEvent.Action.READER)[:SESSION_ACTIONS])


class Result:
    """The result panel: an outcome code (colour, sound, ``data-outcome``), a message, details."""

    def __init__(self, code: str, message: str, outcome: desk.Outcome | None = None):
        self.code, self.message, self.outcome = code, message, outcome
        self.done = code in DONE

    @property
    def item(self):
        return self.outcome.the_item if self.outcome else None

    @property
    def loan(self):
        return self.outcome.loan if self.outcome else None

    @property
    def rule_explanation(self) -> str:
        if self.outcome is None:
            return ""
        return desk.explain_rule(self.outcome.rule or (self.loan.rule if self.loan else None))


def _is_card(value: str) -> bool:
    """A scan that names a reader and no item (check-out mode: switch to that reader)."""
    return Reader.objects.filter(card_number=value).exists() and not Item.objects.filter(barcode=value).exists()


def _scan(request, mode: str, card: str, scan: str) -> tuple[str, Result]:
    """Act on one scan; returns the reader's card after it and what to show."""
    role = desk.desk_role(request.user, request.library)
    try:
        if mode == "checkout":
            if not card or _is_card(scan):
                if not card and Item.objects.filter(barcode=scan).exists():
                    return card, Result("card_first", _("Scan the reader's card first, then the items."))
                summary = desk.reader_summary(scan)
                return summary.reader.card_number, Result("reader", _("%(name)s: scan the items to lend.") % {
                    "name": summary.reader.name})
            outcome = desk.check_out(card, scan, actor=request.user, role=role)
        elif mode == "checkin":
            outcome = desk.check_in(scan, actor=request.user, role=role)
        else:
            outcome = desk.renew(scan, actor=request.user, role=role)
    except UserError as exc:
        return card, Result(exc.code, exc.message)
    return card, Result(outcome.code, outcome.message, outcome)


@login_required
@require_http_methods(["GET", "POST"])
def desk_page(request, code):
    """GET: the empty desk (``?mode=``); POST: one scan (or ``clear``) and the desk after it."""
    _check(request)
    source = request.POST if request.method == "POST" else request.GET
    mode = source.get("mode") if source.get("mode") in MODES else "checkout"
    card = desk.scanned(source.get("card"), 40) if request.method == "POST" else ""
    result = None
    if request.method == "POST":
        scan = desk.scanned(request.POST.get("scan"))
        if request.POST.get("clear"):
            card = ""
        elif scan:
            card, result = _scan(request, mode, card, scan)
    summary = None
    if mode == "checkout" and card:
        try:
            summary = desk.reader_summary(card)
        except NotFound:
            card = ""
    context = {
        "library": request.library, "mode": mode, "modes": MODES, "card": card, "summary": summary,
        "result": result, "actions": _session_actions(request), "done_codes": DONE,
        "today": timezone.localdate(),
        "staff": access.has_own_role(request.user, request.library, Role.CIRCULATION),
    }
    template = "circulation/desk/_state.html" if request.headers.get("HX-Request") else "circulation/desk/desk.html"
    return render(request, template, context)


PAGE_SIZE = 100


def _flag(value: str | None) -> bool | None:
    return {"true": True, "false": False}.get((value or "").lower())


@login_required
@require_http_methods(["GET"])
def loan_list(request, code):
    """Open loans, soonest due first: all, overdue or not yet due, of one class or one reader."""
    _check(request, Role.CIRCULATION)
    overdue = _flag(request.GET.get("overdue"))
    school_class = request.GET.get("school_class", "")
    card = desk.scanned(request.GET.get("card"), 40)
    today = timezone.localdate()
    loans = desk.open_loans(overdue=overdue, school_class=int(school_class) if school_class.isdigit() else None,
                            card=card, today=today)
    page = Paginator(loans, PAGE_SIZE).get_page(request.GET.get("page"))
    desk.mark_overdue(page.object_list, today)
    return render(request, "circulation/desk/loans.html", {
        "library": request.library, "page": page, "loans": page.object_list, "overdue": overdue, "card": card,
        "school_class": school_class, "classes": SchoolClass.objects.filter(active=True),
        "query": _query_without_page(request)})


@login_required
@require_http_methods(["GET"])
def desk_log(request, code):
    """The desk log, newest first: who did what at the desk, allowed or refused."""
    _check(request, Role.CIRCULATION)
    events = DeskEvent.objects.all()
    action = request.GET.get("action", "")
    if action in DeskEvent.Action.values:
        events = events.filter(action=action)
    actor = desk.scanned(request.GET.get("actor"), 150)
    if actor:
        events = events.filter(actor_name__icontains=actor)
    ok = _flag(request.GET.get("ok"))
    if ok is not None:
        events = events.filter(ok=ok)
    page = Paginator(events, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "circulation/desk/log.html", {
        "library": request.library, "page": page, "events": page.object_list, "actions": DeskEvent.Action.choices,
        "action": action, "actor": actor, "ok": ok, "query": _query_without_page(request)})


def _query_without_page(request) -> str:
    query = request.GET.copy()
    query.pop("page", None)
    return query.urlencode()


urlpatterns = [
    path("desk/", desk_page, name="circ-desk"),
    path("desk/log/", desk_log, name="circ-desk-log"),
    path("loans/", loan_list, name="circ-desk-loans"),
]
