"""The ILL requests API under /api/v1/ill/: the borrower's requests, the lender's supplies, the
library's ILL settings and figures, notices, and a reader's own requests.

A request is seen by its borrowing library (``libraries/<code>/requests/<number>/``) and, only
through its own supply, by each lender asked (``libraries/<code>/supplies/<number>/``, which
shows the borrowing library and its request number, never a reader); any other library gets 404.
Views parse input, call one service, and answer its refusals as 4xx with a ``code``.
"""

from __future__ import annotations

import datetime as dt
import importlib

from django.db.models import Count, Min, Q
from django.http import HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import generics, status
from rest_framework.pagination import LimitOffsetPagination
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from core.api.schema import ErrorSerializer
from core.exceptions import Conflict, NotFound, UserError
from ill.api import serializers as s
from ill.api.permissions import IllOwnStaff, IllSettingsPermission, IllStaff, IsReader, sees_readers
from ill.models import IllRequest, LibraryIllSettings, Peer, Supply
from ill.services import figures, notify
from ill.workflow import REQUESTER, SUPPLIER, SUPPLIER_ACTIVE
from tenants.models import READER_ROLES, Library, Membership

STAFF = [IsAuthenticated, IllStaff]
READER = [IsAuthenticated, IsReader]
REFUSED = OpenApiResponse(ErrorSerializer, description="Refused; code: conflict (not in this state or changed "
                                                       "meanwhile), held_locally, reader_blocked, duplicate, "
                                                       "not_borrowing, no_record, and the lender's refusals.")
PDF = {(200, "application/pdf"): OpenApiTypes.BINARY}
R = IllRequest.Status

# API action -> (service module, function, workflow actions that make it possible now).
REQUEST_ACTIONS = {
    "approve": ("requests", "approve", ("approve",)),
    "reject": ("requests", "reject", ("reject",)),
    "cancel": ("requests", "cancel", ("cancel", "ask_cancel")),
    "rerota": ("requests", "rerota", ("rerota",)),
    "receive": ("borrowing", "receive", ("receive",)),
    "lend": ("borrowing", "lend_to_reader", ("lend_to_reader",)),
    "returned": ("borrowing", "reader_returned", ("reader_returned",)),
    "ship-return": ("borrowing", "ship_return", ("ship_return",)),
    "renew": ("borrowing", "ask_renewal", ()),
    "lost": ("borrowing", "declare_lost", ("declare_lost",)),
    "accept-condition": ("borrowing", "accept_condition", ("accept_condition",)),
    "decline-condition": ("borrowing", "decline_condition", ("decline_condition",)),
    # Add a configured peer (another ILL system) to the rota: asked after the lenders before it.
    "offer-to-peer": ("peers", "offer_to_peer", ("send_to_lender", "rerota")),
}
WITH_NOTE = {"reject", "cancel"}
SUPPLY_ACTIONS = {
    "answer": ("will_supply", "expect_to_supply", "propose_condition", "unfilled", "retry_possible"),
    "pick": ("pick",),
    "ship": ("ship",),
    "check-in": ("check_in",),
    "recall": ("recall",),
    "lost": ("declare_lost",),
    "compensated": ("compensated",),
}
RENEWABLE = frozenset({R.RECEIVED, R.WITH_READER})


def _service(name: str):
    return importlib.import_module(f"ill.services.{name}")


def request_actions_now(request: IllRequest) -> list[str]:
    allowed = []
    for name, (_module, _function, actions) in REQUEST_ACTIONS.items():
        if name == "renew":
            if request.status in RENEWABLE and not request.renewal_pending and request.lender_id:
                allowed.append(name)
        elif any(request.status in REQUESTER.action(a).sources for a in actions):
            allowed.append(name)
    return allowed


def supply_actions_now(supply: Supply) -> list[str]:
    return [name for name, actions in SUPPLY_ACTIONS.items()
            if any(supply.status in SUPPLIER.action(a).sources for a in actions)]


def _int_param(value, default: int) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return default


def _bool_param(value) -> bool:
    return str(value).lower() in ("1", "true", "yes", "on")


def _date_param(value, default: dt.date, name: str) -> dt.date:
    if not value:
        return default
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise UserError(_("%(name)s is not a date (YYYY-MM-DD).") % {"name": name}, code="bad_date") from None


class LibraryScopedView(APIView):
    """A view under /api/v1/ill/libraries/<code>/: finds the library (the routing middleware
    switches only /api/v1/libraries/) and keeps the connection in the public schema."""

    def initial(self, request, *args, **kwargs):
        code = kwargs.get("code", "")
        library = Library.objects.filter(code=code, is_active=True).first()
        if library is None:
            raise NotFound(_("No member library has the code %(code)s.") % {"code": code})
        request.library = library
        request._request.library = library
        super().initial(request, *args, **kwargs)

    def context(self, **extra) -> dict:
        return {"request": self.request, "cutoff": figures.stuck_cutoff(), **extra}


STATUS_PARAMETERS = [
    OpenApiParameter("status", str, description="one or more states, comma-separated"),
    OpenApiParameter("stuck", bool, description="only those unchanged longer than the policy's stuck days"),
]


def _filter_states(queryset, params, states):
    wanted = [value for value in (params.get("status") or "").split(",") if value]
    if wanted:
        queryset = queryset.filter(status__in=[value for value in wanted if value in states])
    if _bool_param(params.get("stuck")):
        cutoff = figures.stuck_cutoff()
        open_states = figures.REQUEST_OPEN if queryset.model is IllRequest else SUPPLIER_ACTIVE
        queryset = queryset.filter(status__in=open_states, status_changed_at__lt=cutoff)
    return queryset


# --- The borrower's requests -------------------------------------------------------------------------

class RequestList(LibraryScopedView, generics.ListAPIView):
    """The library's own requests (as borrower), newest first; POST places one for a reader."""

    permission_classes = STAFF
    serializer_class = s.IllRequestSerializer

    def get_queryset(self):
        found = IllRequest.objects.filter(borrower=self.request.library).select_related(
            "union_record", "lender", "lender_peer")
        return _filter_states(found, self.request.query_params, R.values)

    def get_serializer_context(self):
        return {**super().get_serializer_context(), "cutoff": figures.stuck_cutoff()}

    @extend_schema(parameters=STATUS_PARAMETERS, operation_id="ill_requests_list")
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    @extend_schema(operation_id="ill_requests_place", request=s.IllStaffPlaceRequestSerializer,
                   responses={201: s.IllRequestDetailSerializer, 409: REFUSED})
    def post(self, request, code):
        from django_tenants.utils import schema_context

        from circulation.models import Reader
        from ill.services import requests
        from union.models import UnionRecord

        form = s.IllStaffPlaceRequestSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        data = form.validated_data
        library = request.library
        record = UnionRecord.objects.filter(urid=data["urid"]).first()
        if record is None:
            raise NotFound(_("No union record has the id %(urid)s.") % {"urid": data["urid"]}, code="no_record")
        with schema_context(library.schema_name):
            reader = Reader.objects.filter(card_number=data["card_number"].strip()).first()
        if reader is None:
            raise NotFound(_("No reader of this library has the card %(card)s.") % {"card": data["card_number"]},
                           code="reader_unknown")
        _check_pickup_point(library, data["pickup_point"])
        placed = requests.place_request(
            borrower=library, union_record=record, reader=reader, service_type=data["service_type"],
            needed_by=data.get("needed_by"), pickup_point=data["pickup_point"], note=data["note"],
            pages=data["pages"], part_title=data["part_title"], max_cost=data.get("max_cost"), by_staff=True,
            override_local_copy=data["override_local_copy"], actor=request.user)
        return Response(s.IllRequestDetailSerializer(placed, context=self.context(show_reader=True)).data,
                        status=status.HTTP_201_CREATED)


def _check_pickup_point(library, pickup_point: str) -> None:
    points = LibraryIllSettings.for_library(library).pickup_points or []
    names = [p.get("name", "") if isinstance(p, dict) else str(p) for p in points]
    if pickup_point and names and pickup_point not in names:
        raise UserError(_("“%(point)s” is not one of the library's pickup points.") % {"point": pickup_point},
                        code="bad_pickup_point")


def _own_request(library, number: str) -> IllRequest:
    found = IllRequest.objects.filter(borrower=library, number=number).select_related(
        "borrower", "union_record", "lender", "lender_peer").first()
    if found is None:
        raise NotFound(_("This library has no request %(number)s.") % {"number": number})
    return found


class RequestDetail(LibraryScopedView):
    """One of the library's requests: the rota with why each lender stands where it does, the
    history (audit rows) and the ISO 18626 messages exchanged."""

    permission_classes = STAFF

    @extend_schema(operation_id="ill_request_retrieve", responses=s.IllRequestDetailSerializer)
    def get(self, request, code, number):
        found = _own_request(request.library, number)
        show = sees_readers(request.user, request.library)
        return Response(s.IllRequestDetailSerializer(found, context=self.context(show_reader=show)).data)


class RequestAction(LibraryScopedView):
    """A step of the borrower: approve, reject, cancel, rerota, receive, lend (to the reader),
    returned (by the reader), ship-return, renew (ask the lender), lost, accept-condition,
    decline-condition, offer-to-peer (``peer``: its agency ID). ``note`` goes with reject and cancel."""

    permission_classes = STAFF

    @extend_schema(operation_id="ill_request_action",
                   parameters=[OpenApiParameter("action", str, OpenApiParameter.PATH, enum=list(REQUEST_ACTIONS))],
                   request=s.IllNoteSerializer, responses={200: s.IllRequestDetailSerializer, 409: REFUSED})
    def post(self, request, code, number, action):
        if action not in REQUEST_ACTIONS:
            raise NotFound(_("No such action."), code="no_action")
        form = s.IllNoteSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        found = _own_request(request.library, number)
        module, function, _actions = REQUEST_ACTIONS[action]
        kwargs = {"actor": request.user}
        if action in WITH_NOTE:
            kwargs["note"] = form.validated_data["note"]
        if action == "offer-to-peer":
            peer = Peer.objects.filter(agency_id=form.validated_data["peer"], active=True, lends=True).first()
            if peer is None:
                raise NotFound(_("No peer that lends has this agency ID."), code="no_peer")
            getattr(_service(module), function)(found, peer, **kwargs)
        else:
            getattr(_service(module), function)(found, **kwargs)
        found = _own_request(request.library, number)
        show = sees_readers(request.user, request.library)
        return Response(s.IllRequestDetailSerializer(found, context=self.context(show_reader=show)).data)


# --- The lender's supplies ---------------------------------------------------------------------------

def _own_supply(library, number: str) -> Supply:
    found = Supply.objects.filter(lender=library, number=number).select_related(
        "borrower", "requester_peer").first()
    if found is None:
        raise NotFound(_("This library has no supply %(number)s.") % {"number": number})
    return found


class SupplyList(LibraryScopedView):
    """The library's incoming queue (as lender): open supplies oldest first (``status`` to choose
    others), with the count and age of each open state."""

    permission_classes = STAFF

    @extend_schema(operation_id="ill_supplies_list", parameters=STATUS_PARAMETERS, responses=s.IllSupplyQueueSerializer)
    def get(self, request, code):
        library = request.library
        cutoff = figures.stuck_cutoff()
        mine = Supply.objects.filter(lender=library)
        found = mine.select_related("borrower", "requester_peer").order_by("created_at", "id")
        if not request.query_params.get("status"):
            found = found.filter(status__in=SUPPLIER_ACTIVE)
        found = _filter_states(found, request.query_params, Supply.Status.values)
        now = timezone.now()
        labels = dict(Supply.Status.choices)
        states = [
            {"status": row["status"], "label": str(labels.get(row["status"], row["status"])), "count": row["n"],
             "oldest_hours": round((now - row["oldest"]).total_seconds() / 3600, 1), "stuck": row["stuck"]}
            for row in mine.filter(status__in=SUPPLIER_ACTIVE).values("status").annotate(
                n=Count("pk"), oldest=Min("status_changed_at"),
                stuck=Count("pk", filter=Q(status_changed_at__lt=cutoff))).order_by("status")]
        paginator = LimitOffsetPagination()
        page = paginator.paginate_queryset(found, request, view=self)
        return Response({"count": paginator.count, "next": paginator.get_next_link(),
                         "previous": paginator.get_previous_link(), "states": states,
                         "results": s.IllSupplySerializer(page, many=True, context=self.context()).data})


class SupplyDetail(LibraryScopedView):
    """One supply: what was asked, by which library (its request number), the history."""

    permission_classes = STAFF

    @extend_schema(operation_id="ill_supply_retrieve", responses=s.IllSupplyDetailSerializer)
    def get(self, request, code, number):
        found = _own_supply(request.library, number)
        return Response(s.IllSupplyDetailSerializer(found, context=self.context()).data)


class SupplyAction(LibraryScopedView):
    """A step of the lender: answer (``decision`` with ``reason``, ``condition``, ``note``), pick
    (``barcode``), ship (``barcode``), check-in, recall, lost, compensated (``amount``)."""

    permission_classes = STAFF

    @extend_schema(operation_id="ill_supply_action",
                   parameters=[OpenApiParameter("action", str, OpenApiParameter.PATH, enum=list(SUPPLY_ACTIONS))],
                   request=s.IllSupplyActionSerializer, responses={200: s.IllSupplyDetailSerializer, 409: REFUSED})
    def post(self, request, code, number, action):
        if action not in SUPPLY_ACTIONS:
            raise NotFound(_("No such action."), code="no_action")
        form = s.IllSupplyActionSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        data = form.validated_data
        found = _own_supply(request.library, number)
        lending = _service("lending")
        actor = request.user
        barcode = data["barcode"].strip() or None
        if action == "answer":
            if not data.get("decision"):
                raise UserError(_("Say what the answer is (decision)."), code="no_decision")
            lending.answer(found, data["decision"], reason=data["reason"], note=data["note"],
                           condition=data["condition"], actor=actor)
        elif action == "pick":
            if not barcode:
                raise UserError(_("Scan the item's barcode."), code="no_barcode")
            lending.pick(found, barcode, actor=actor)
        elif action == "ship":
            lending.ship(found, barcode=barcode, actor=actor)
        elif action == "check-in":
            lending.check_in(found, barcode=barcode, actor=actor)
        elif action == "recall":
            lending.recall(found, actor=actor)
        elif action == "lost":
            lending.declare_lost(found, actor=actor)
        else:
            if data.get("amount") is None:
                raise UserError(_("Give the amount received."), code="no_amount")
            lending.compensated(found, amount=data["amount"], actor=actor)
        found = _own_supply(request.library, number)
        return Response(s.IllSupplyDetailSerializer(found, context=self.context()).data)


class PullSlips(LibraryScopedView):
    """The pull slips of every supply the library will supply, as one PDF sorted by location and
    call number (printing them moves those supplies on to "pull slip printed"); ``numbers``
    prints those supplies (again)."""

    permission_classes = [IsAuthenticated, IllOwnStaff]

    @extend_schema(parameters=[OpenApiParameter("numbers", str, description="supply numbers, comma-separated")],
                   responses={**PDF, 409: REFUSED})
    def get(self, request, code):
        numbers = [n for n in (request.query_params.get("numbers") or "").split(",") if n.strip()]
        chosen = None
        if numbers:
            chosen = list(Supply.objects.filter(lender=request.library, number__in=[n.strip() for n in numbers]))
        pdf = _service("lending").pull_slips(request.library, chosen, actor=request.user)
        response = HttpResponse(pdf, content_type="application/pdf")
        response["Content-Disposition"] = f'inline; filename="pull-slips-{request.library.code}.pdf"'
        return response


# --- Settings and figures -------------------------------------------------------------------------------

class IllSettingsView(LibraryScopedView):
    """The library's ILL settings: approval of readers' requests, the auto-responder, pickup points,
    courier days, the ILL e-mail. ILL staff read them; the library's administrator changes them."""

    permission_classes = [IsAuthenticated, IllSettingsPermission]

    @extend_schema(responses=s.IllSettingsSerializer)
    def get(self, request, code):
        return Response(s.IllSettingsSerializer(LibraryIllSettings.for_library(request.library)).data)

    @extend_schema(request=s.IllSettingsSerializer, responses=s.IllSettingsSerializer)
    def put(self, request, code):
        form = s.IllSettingsSerializer(LibraryIllSettings.for_library(request.library), data=request.data,
                                       partial=True)
        form.is_valid(raise_exception=True)
        form.save()
        return Response(form.data)


class IllFigures(LibraryScopedView):
    """The library's ILL figures for a period (default: this year to today)."""

    permission_classes = STAFF

    @extend_schema(parameters=[OpenApiParameter("from", OpenApiTypes.DATE, description="the first day"),
                               OpenApiParameter("to", OpenApiTypes.DATE, description="the last day, included")],
                   responses=s.IllFiguresSerializer)
    def get(self, request, code):
        today = timezone.localdate()
        start = _date_param(request.query_params.get("from"), today.replace(month=1, day=1), "from")
        end = _date_param(request.query_params.get("to"), today, "to")
        if end < start:
            raise UserError(_("The period ends before it starts."), code="bad_period")
        return Response(figures.library_figures(request.library, start=start, end=end))


# --- Notices ---------------------------------------------------------------------------------------------

class NotificationList(generics.ListAPIView):
    """The signed-in user's notices, newest first: their libraries' ILL notices (staff) and their
    own (a reader). ``unread=true``: only the unread."""

    serializer_class = s.IllNotificationSerializer

    def get_queryset(self):
        return notify.for_user(self.request.user, unread=_bool_param(self.request.query_params.get("unread")))

    @extend_schema(parameters=[OpenApiParameter("unread", bool)])
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


class NotificationsRead(APIView):
    """Mark the signed-in user's notices read (``ids``, or all of them)."""

    @extend_schema(request=s.IllMarkReadSerializer, responses=s.IllMarkedSerializer)
    def post(self, request):
        form = s.IllMarkReadSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        return Response({"marked": notify.mark_read(request.user, form.validated_data.get("ids"))})


# --- A reader's own requests -------------------------------------------------------------------------------

def _reader_library(user, code: str = ""):
    """The library the signed-in reader belongs to (``code`` chooses among several)."""
    libraries = Library.objects.filter(
        pk__in=Membership.objects.filter(user=user, role__in=READER_ROLES).values("library_id"), is_active=True)
    if code:
        libraries = libraries.filter(code=code)
    library = libraries.order_by("pk").first()
    if library is None:
        raise NotFound(_("You are not a reader of this library."), code="not_a_reader")
    return library


class MyRequests(generics.ListAPIView):
    """The signed-in reader's own requests; POST places one from a union record."""

    permission_classes = READER
    serializer_class = s.IllMyRequestSerializer

    def get_queryset(self):
        return IllRequest.objects.filter(reader_user_id=self.request.user.pk).select_related(
            "borrower", "union_record")

    @extend_schema(request=s.IllReaderPlaceRequestSerializer, responses={
        201: s.IllMyRequestSerializer, 409: REFUSED,
        404: OpenApiResponse(ErrorSerializer, description="code: no_record (no union record with that id), "
                                                          "not_a_reader (of the library named)")})
    def post(self, request):
        from django_tenants.utils import schema_context

        from circulation.models import Reader
        from ill.services import requests
        from union.models import UnionRecord

        form = s.IllReaderPlaceRequestSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        data = form.validated_data
        library = _reader_library(request.user, data["library"])
        record = UnionRecord.objects.filter(urid=data["urid"]).first()
        if record is None:
            raise NotFound(_("No union record has the id %(urid)s.") % {"urid": data["urid"]}, code="no_record")
        with schema_context(library.schema_name):
            reader = Reader.objects.filter(user_id=request.user.pk).first()
        if reader is None:
            raise Conflict(_("Your library has no reader card linked to this account."), code="no_reader_card")
        _check_pickup_point(library, data["pickup_point"])
        placed = requests.place_request(
            borrower=library, union_record=record, reader=reader, service_type=data["service_type"],
            needed_by=data.get("needed_by"), pickup_point=data["pickup_point"], note=data["note"],
            pages=data["pages"], part_title=data["part_title"], max_cost=data.get("max_cost"), by_staff=False,
            actor=request.user)
        return Response(s.IllMyRequestSerializer(placed).data, status=status.HTTP_201_CREATED)


class MyRequestCancel(APIView):
    """The reader cancels one of their own requests (a lender that has it is asked to cancel)."""

    permission_classes = READER

    @extend_schema(request=None, responses={200: s.IllMyRequestSerializer, 409: REFUSED})
    def post(self, request, number):
        from ill.services import requests

        found = IllRequest.objects.filter(reader_user_id=request.user.pk, number=number).first()
        if found is None:
            raise NotFound(_("You have no request %(number)s.") % {"number": number})
        if not s.IllMyRequestSerializer().get_may_cancel(found):
            raise Conflict(_("This request can no longer be cancelled."), code="too_late")
        requests.cancel(found, actor=request.user)
        found.refresh_from_db()
        return Response(s.IllMyRequestSerializer(found).data)
