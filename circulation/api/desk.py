"""The desk in the API: check out, check in and renew by barcode, a reader's desk summary, the
open loans and the desk log of one library (/api/v1/libraries/<code>/...).

The desk itself is open to the library's own desk people (circulation staff, its administrator
and student helpers); the loans list and the desk log are the circulation staff's only. A
refusal is a 409 ``{detail, code}`` whose ``detail`` is in the request's language, an unknown
card or barcode a 404.
"""

from __future__ import annotations

from django.urls import path
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_field
from rest_framework import generics, serializers
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from circulation.models import DeskEvent
from circulation.services import desk
from core.api.schema import ErrorSerializer
from tenants.api.permissions import own_library_roles
from tenants.models import Role

DESK = [IsAuthenticated, own_library_roles(Role.DESK_HELPER)]
OWN_STAFF = [IsAuthenticated, own_library_roles(Role.CIRCULATION)]

REFUSAL_CODES = ("reference_only", "over_limit", "overdue_items", "card_inactive", "item_on_loan",
                 "item_unavailable", "not_on_loan", "renewal_limit", "corner_loan", "already_returned", "changed")
ERRORS = {
    404: OpenApiResponse(ErrorSerializer, description="No reader has that card (reader_unknown), or no item has "
                                                      "that barcode (item_unknown)."),
    409: OpenApiResponse(ErrorSerializer, description="Refused, with the reason in the request's language; code: "
                                                      + ", ".join(REFUSAL_CODES) + "."),
}


# --- Serializers ----------------------------------------------------------------------------

class CheckOutSerializer(serializers.Serializer):
    card = serializers.CharField(max_length=40, help_text="the reader's card number (scanned)")
    barcode = serializers.CharField(max_length=60, help_text="the item's barcode (scanned)")


class BarcodeSerializer(serializers.Serializer):
    barcode = serializers.CharField(max_length=60, help_text="the item's barcode (scanned)")


class DeskLoanSerializer(serializers.Serializer):
    """A loan as the desk shows it."""

    id = serializers.IntegerField()
    barcode = serializers.CharField(source="item.barcode")
    title = serializers.CharField(source="item.holdings.instance.title")
    call_number = serializers.CharField(source="item.holdings.call_number")
    card = serializers.SerializerMethodField()
    reader_name = serializers.SerializerMethodField()
    school_class = serializers.SerializerMethodField(help_text="the reader's class, or the corner batch's")
    corner = serializers.IntegerField(source="corner_id", allow_null=True, help_text="class corner batch, if any")
    status = serializers.CharField()
    loaned_at = serializers.DateTimeField()
    due_on = serializers.DateField()
    returned_at = serializers.DateTimeField(allow_null=True)
    renewals = serializers.IntegerField()
    overdue = serializers.SerializerMethodField()
    overdue_days = serializers.SerializerMethodField(help_text="open days late (today, or on return)")
    rule = serializers.JSONField(help_text="the loan rule applied")
    rule_explanation = serializers.SerializerMethodField()

    def get_card(self, loan) -> str:
        return loan.reader.card_number if loan.reader_id else ""

    def get_reader_name(self, loan) -> str:
        return loan.reader.name if loan.reader_id else ""

    def get_school_class(self, loan) -> str:
        if loan.reader_id:
            return str(loan.reader.school_class) if loan.reader.school_class_id else ""
        return str(loan.corner.school_class) if loan.corner_id else ""

    def get_overdue(self, loan) -> bool:
        return bool(getattr(loan, "overdue", False))

    def get_overdue_days(self, loan) -> int:
        return int(getattr(loan, "overdue_days", 0))

    def get_rule_explanation(self, loan) -> str:
        return desk.explain_rule(loan.rule)


class OutcomeSerializer(serializers.Serializer):
    """What a desk action did: a code (ok, late, found), a message in the request's language and the loan."""

    code = serializers.CharField(help_text="ok; on check-in also late (returned overdue) or found (was not on loan)")
    message = serializers.CharField()
    barcode = serializers.SerializerMethodField()
    title = serializers.SerializerMethodField()
    overdue_days = serializers.IntegerField(help_text="on check-in: open days late")
    rule_explanation = serializers.SerializerMethodField()
    loan = serializers.SerializerMethodField()

    def get_barcode(self, outcome) -> str:
        item = outcome.the_item
        return item.barcode if item else ""

    def get_title(self, outcome) -> str:
        item = outcome.the_item
        return item.holdings.instance.title if item else ""

    def get_rule_explanation(self, outcome) -> str:
        return desk.explain_rule(outcome.rule or (outcome.loan.rule if outcome.loan else None))

    @extend_schema_field(DeskLoanSerializer(allow_null=True))
    def get_loan(self, outcome) -> dict | None:
        if outcome.loan is None:
            return None
        loan = outcome.loan
        loan.overdue, loan.overdue_days = False, outcome.overdue_days
        return DeskLoanSerializer(loan).data


class ReaderSummarySerializer(serializers.Serializer):
    card = serializers.CharField(source="reader.card_number")
    name = serializers.CharField(source="reader.name")
    kind = serializers.CharField(source="reader.kind")
    status = serializers.CharField(source="reader.status")
    suspended_reason = serializers.CharField(source="reader.suspended_reason")
    school_class = serializers.SerializerMethodField()
    grade = serializers.IntegerField(source="reader.grade", allow_null=True)
    loans = DeskLoanSerializer(many=True)
    overdue_count = serializers.IntegerField()
    open_charges = serializers.IntegerField(help_text="open lines in the charges ledger")

    def get_school_class(self, summary) -> str:
        return str(summary.reader.school_class) if summary.reader.school_class_id else ""


class DeskEventSerializer(serializers.ModelSerializer):
    class Meta:
        model = DeskEvent
        fields = ["id", "at", "action", "ok", "code", "message", "item_barcode", "card_number", "loan",
                  "actor_name", "actor_role"]


# --- Views ----------------------------------------------------------------------------------

def _answer(request, outcome) -> Response:
    return Response(OutcomeSerializer(outcome, context={"request": request}).data)


class CheckOut(APIView):
    """Lend the item with ``barcode`` to the reader with ``card`` (or say why not)."""

    permission_classes = DESK

    @extend_schema(request=CheckOutSerializer, responses={200: OutcomeSerializer, **ERRORS})
    def post(self, request, code):
        form = CheckOutSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        outcome = desk.check_out(form.validated_data["card"], form.validated_data["barcode"], actor=request.user,
                                 role=desk.desk_role(request.user, request.library))
        return _answer(request, outcome)


class CheckIn(APIView):
    """Take back the item with ``barcode``; says how many open days it was late."""

    permission_classes = DESK

    @extend_schema(request=BarcodeSerializer, responses={200: OutcomeSerializer, **ERRORS})
    def post(self, request, code):
        form = BarcodeSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        outcome = desk.check_in(form.validated_data["barcode"], actor=request.user,
                                role=desk.desk_role(request.user, request.library))
        return _answer(request, outcome)


class Renew(APIView):
    """Renew the open loan of the item with ``barcode`` from today, by its rule."""

    permission_classes = DESK

    @extend_schema(request=BarcodeSerializer, responses={200: OutcomeSerializer, **ERRORS})
    def post(self, request, code):
        form = BarcodeSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        outcome = desk.renew(form.validated_data["barcode"], actor=request.user,
                             role=desk.desk_role(request.user, request.library))
        return _answer(request, outcome)


class ReaderAtDesk(APIView):
    """The reader with this card as the desk shows them: class, status, open loans, overdue items, charges."""

    permission_classes = DESK

    @extend_schema(responses={200: ReaderSummarySerializer, 404: ERRORS[404]})
    def get(self, request, code, card):
        return Response(ReaderSummarySerializer(desk.reader_summary(card)).data)


def _flag(params, name: str) -> bool | None:
    value = params.get(name)
    if value in (None, ""):
        return None
    if value.lower() in ("1", "true", "yes"):
        return True
    if value.lower() in ("0", "false", "no"):
        return False
    raise serializers.ValidationError({name: ["use true or false"]})


class OpenLoans(generics.ListAPIView):
    """Open loans of the library (to readers and class corners), soonest due first."""

    permission_classes = OWN_STAFF
    serializer_class = DeskLoanSerializer

    @extend_schema(parameters=[
        OpenApiParameter("overdue", OpenApiTypes.BOOL, description="true: overdue only; false: not overdue"),
        OpenApiParameter("school_class", OpenApiTypes.INT, description="a class's id: its students' and corner's"),
        OpenApiParameter("card", OpenApiTypes.STR, description="one reader's card number"),
    ])
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        params = self.request.query_params
        school_class = params.get("school_class") or None
        if school_class is not None:
            if not school_class.isdigit():
                raise serializers.ValidationError({"school_class": ["a class id"]})
            school_class = int(school_class)
        return desk.open_loans(overdue=_flag(params, "overdue"), school_class=school_class,
                               card=params.get("card", ""))

    def paginate_queryset(self, queryset):
        page = super().paginate_queryset(queryset)
        return desk.mark_overdue(page, timezone.localdate()) if page is not None else None


class DeskLog(generics.ListAPIView):
    """The desk log, newest first: every action, allowed or refused, with who did it."""

    permission_classes = OWN_STAFF
    serializer_class = DeskEventSerializer

    @extend_schema(parameters=[
        OpenApiParameter("action", OpenApiTypes.STR, enum=list(DeskEvent.Action.values)),
        OpenApiParameter("actor", OpenApiTypes.STR, description="who: part of the name"),
        OpenApiParameter("ok", OpenApiTypes.BOOL, description="false: refusals only"),
    ])
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        params = self.request.query_params
        events = DeskEvent.objects.all()
        if params.get("action"):
            events = events.filter(action=params["action"])
        actor = desk.scanned(params.get("actor"), 150)
        if actor:
            events = events.filter(actor_name__icontains=actor)
        ok = _flag(params, "ok")
        if ok is not None:
            events = events.filter(ok=ok)
        return events


urlpatterns = [
    path("desk/checkout/", CheckOut.as_view(), name="circ-api-desk-checkout"),
    path("desk/checkin/", CheckIn.as_view(), name="circ-api-desk-checkin"),
    path("desk/renew/", Renew.as_view(), name="circ-api-desk-renew"),
    path("desk/reader/<str:card>/", ReaderAtDesk.as_view(), name="circ-api-desk-reader"),
    path("desk/events/", DeskLog.as_view(), name="circ-api-desk-events"),
    path("loans/", OpenLoans.as_view(), name="circ-api-desk-loans"),
]
