"""Class corners, overdue lists and the charges ledger in the API (/api/v1/libraries/<code>/...).

All of it is readers' data or money: open to the library's own circulation staff (and its
administrator), never to coordinators or student helpers. Refusals are 409 ``{detail, code}``;
a batch answers per barcode which items did not go (``refused``), and is a 409 only when none did.
"""

from __future__ import annotations

import datetime as dt

from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from django.urls import path
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import generics, serializers, status
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from circulation.models import Charge, CornerBatch, SchoolClass
from circulation.services import charges, corners, overdues
from core.api.schema import ErrorSerializer
from tenants.api.permissions import own_library_roles
from tenants.models import Role

OWN_STAFF = [IsAuthenticated, own_library_roles(Role.CIRCULATION)]
REFUSED = OpenApiResponse(ErrorSerializer, description="Refused; code: no_teacher, card_inactive, class_inactive, "
                                                       "batch_returned, batch_empty, not_on_loan, already_settled, "
                                                       "replacement_owed, not_lost.")


# --- Serializers ----------------------------------------------------------------------------

class CornerLoanSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    barcode = serializers.CharField(source="item.barcode")
    title = serializers.CharField(source="item.holdings.instance.title")
    call_number = serializers.CharField(source="item.holdings.call_number")
    status = serializers.CharField()
    due_on = serializers.DateField()
    returned_at = serializers.DateTimeField(allow_null=True)


class BatchSerializer(serializers.ModelSerializer):
    school_class_name = serializers.SerializerMethodField()
    teacher_name = serializers.SerializerMethodField()
    items = serializers.SerializerMethodField(help_text="the items now in the class (open loans)")

    class Meta:
        model = CornerBatch
        fields = ["id", "school_class", "school_class_name", "teacher", "teacher_name", "status", "lent_on", "due_on",
                  "returned_on", "rotated_from", "note", "created_by", "items"]

    def get_school_class_name(self, batch) -> str:
        return str(batch.school_class)

    def get_teacher_name(self, batch) -> str:
        return batch.teacher.name if batch.teacher_id else ""

    def get_items(self, batch) -> list[dict]:
        return CornerLoanSerializer(corners.open_corner_loans(batch=batch), many=True).data


class RefusalSerializer(serializers.Serializer):
    barcode = serializers.CharField()
    code = serializers.CharField(help_text="item_unknown, reference_only, item_on_loan, item_unavailable, "
                                           "not_in_batch")
    detail = serializers.CharField(source="message")


class CornerOutcomeSerializer(serializers.Serializer):
    batch = BatchSerializer(allow_null=True, help_text="null when no item could go")
    lent = CornerLoanSerializer(many=True)
    returned = CornerLoanSerializer(many=True)
    refused = RefusalSerializer(many=True, help_text="barcodes that did not go (or come back), and why")


class LendBatchSerializer(serializers.Serializer):
    school_class = serializers.PrimaryKeyRelatedField(queryset=SchoolClass.objects.all())
    barcodes = serializers.ListField(child=serializers.CharField(max_length=60), allow_empty=False, max_length=500)
    due_on = serializers.DateField(required=False, allow_null=True,
                                   help_text="blank: the end of the term (or the teachers' loan period)")
    note = serializers.CharField(required=False, allow_blank=True, max_length=200, default="")


class ReturnSerializer(serializers.Serializer):
    barcodes = serializers.ListField(child=serializers.CharField(max_length=60), required=False, default=list,
                                     max_length=500, help_text="empty: the whole batch")


class ExchangeSerializer(serializers.Serializer):
    returned = serializers.ListField(child=serializers.CharField(max_length=60), required=False, default=list,
                                     max_length=500)
    added = serializers.ListField(child=serializers.CharField(max_length=60), required=False, default=list,
                                  max_length=500)


class RotateSerializer(serializers.Serializer):
    school_class = serializers.PrimaryKeyRelatedField(queryset=SchoolClass.objects.all(),
                                                      help_text="the class the batch goes to")
    due_on = serializers.DateField(required=False, allow_null=True)


class OverdueLineSerializer(serializers.Serializer):
    loan = serializers.IntegerField(source="loan.pk")
    barcode = serializers.CharField(source="item.barcode")
    title = serializers.CharField()
    card = serializers.CharField(source="card_number", help_text="blank for a class corner")
    borrower = serializers.CharField()
    corner = serializers.IntegerField(source="loan.corner_id", allow_null=True)
    due_on = serializers.DateField(source="loan.due_on")
    overdue_days = serializers.IntegerField(help_text="open days late")
    reminded_at = serializers.DateTimeField(source="loan.reminded_at", allow_null=True)


class ClassOverduesSerializer(serializers.Serializer):
    school_class = serializers.IntegerField(source="school_class.pk", allow_null=True,
                                            help_text="null: readers without a class")
    school_class_name = serializers.SerializerMethodField()
    teacher = serializers.SerializerMethodField()
    lines = OverdueLineSerializer(many=True)

    def get_school_class_name(self, group) -> str:
        return str(group.school_class) if group.school_class else ""

    def get_teacher(self, group) -> str:
        return group.teacher.name if group.teacher else ""


class ReminderReportSerializer(serializers.Serializer):
    sent = serializers.ListField(child=serializers.IntegerField(), help_text="classes e-mailed")
    loans = serializers.IntegerField(help_text="loans put in a reminder")
    not_due = serializers.ListField(child=serializers.IntegerField(), help_text="classes reminded recently")
    no_address = serializers.ListField(child=serializers.IntegerField(), help_text="teacher without e-mail")
    failed = serializers.ListField(child=serializers.IntegerField())


class ChargeSerializer(serializers.ModelSerializer):
    barcode = serializers.SerializerMethodField()
    title = serializers.SerializerMethodField()
    card = serializers.SerializerMethodField()
    reader_name = serializers.SerializerMethodField()
    school_class_name = serializers.SerializerMethodField()

    class Meta:
        model = Charge
        fields = ["id", "kind", "policy", "amount", "status", "barcode", "title", "reader", "card", "reader_name",
                  "school_class", "school_class_name", "loan", "note", "created_at", "created_by", "settled_at",
                  "settled_by"]

    def get_barcode(self, charge) -> str:
        return charge.item.barcode if charge.item_id else ""

    def get_title(self, charge) -> str:
        return charge.item.holdings.instance.title if charge.item_id else ""

    def get_card(self, charge) -> str:
        return charge.reader.card_number if charge.reader_id else ""

    def get_reader_name(self, charge) -> str:
        return charge.reader.name if charge.reader_id else ""

    def get_school_class_name(self, charge) -> str:
        return str(charge.school_class) if charge.school_class_id else ""


class NewChargeSerializer(serializers.Serializer):
    barcode = serializers.CharField(max_length=60, help_text="the item on loan that was lost or damaged")
    kind = serializers.ChoiceField(choices=[Charge.Kind.LOST, Charge.Kind.DAMAGED])
    note = serializers.CharField(required=False, allow_blank=True, max_length=300, default="")


class SettleSerializer(serializers.Serializer):
    note = serializers.CharField(required=False, allow_blank=True, max_length=300, default="",
                                 help_text="waive: the reason (required)")


class TotalSerializer(serializers.Serializer):
    count = serializers.IntegerField()
    amount = serializers.DecimalField(max_digits=12, decimal_places=2)


class TotalsSerializer(serializers.Serializer):
    open = TotalSerializer()
    paid = TotalSerializer()
    replaced = TotalSerializer()
    waived = TotalSerializer()


# --- Class corners --------------------------------------------------------------------------

def _outcome(outcome, *, created=False) -> Response:
    data = CornerOutcomeSerializer(outcome).data
    if outcome.batch is None:
        return Response({"detail": outcome.refused[0].message if outcome.refused else "", "code": "nothing_lent",
                         "refused": data["refused"]}, status=status.HTTP_409_CONFLICT)
    return Response(data, status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)


class BatchList(APIView):
    """Batches in the classes now (``?school_class=`` one class's); POST lends a batch to a class."""

    permission_classes = OWN_STAFF

    @extend_schema(parameters=[OpenApiParameter("school_class", OpenApiTypes.INT)],
                   responses=BatchSerializer(many=True))
    def get(self, request, code):
        school_class = None
        if request.query_params.get("school_class"):
            school_class = get_object_or_404(SchoolClass, pk=_int(request.query_params["school_class"]))
        return Response(BatchSerializer(corners.open_batches(school_class), many=True).data)

    @extend_schema(request=LendBatchSerializer, responses={201: CornerOutcomeSerializer, 409: REFUSED})
    def post(self, request, code):
        form = LendBatchSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        data = form.validated_data
        outcome = corners.lend_batch(data["school_class"], data["barcodes"], due_on=data.get("due_on"),
                                     actor=request.user, role=Role.CIRCULATION, note=data["note"])
        return _outcome(outcome, created=True)


class BatchDetail(APIView):
    """One batch with the items now in the class."""

    permission_classes = OWN_STAFF

    @extend_schema(responses=BatchSerializer)
    def get(self, request, code, pk):
        return Response(BatchSerializer(get_object_or_404(CornerBatch, pk=pk)).data)


class BatchReturn(APIView):
    """Take back items of the batch (``barcodes``), or the whole batch (none given)."""

    permission_classes = OWN_STAFF

    @extend_schema(request=ReturnSerializer, responses={200: CornerOutcomeSerializer, 409: REFUSED})
    def post(self, request, code, pk):
        batch = get_object_or_404(CornerBatch, pk=pk)
        form = ReturnSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        return _outcome(corners.return_items(batch, form.validated_data["barcodes"] or None, actor=request.user,
                                             role=Role.CIRCULATION))


class BatchExchange(APIView):
    """Swap books of a corner: take back ``returned``, lend ``added`` under the batch's due date."""

    permission_classes = OWN_STAFF

    @extend_schema(request=ExchangeSerializer, responses={200: CornerOutcomeSerializer, 409: REFUSED})
    def post(self, request, code, pk):
        batch = get_object_or_404(CornerBatch, pk=pk)
        form = ExchangeSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        return _outcome(corners.exchange(batch, returned=form.validated_data["returned"],
                                         added=form.validated_data["added"], actor=request.user,
                                         role=Role.CIRCULATION))


class BatchRotate(APIView):
    """Hand the batch on to another class (a new batch, ``rotated_from`` this one)."""

    permission_classes = OWN_STAFF

    @extend_schema(request=RotateSerializer, responses={201: CornerOutcomeSerializer, 409: REFUSED})
    def post(self, request, code, pk):
        batch = get_object_or_404(CornerBatch, pk=pk)
        form = RotateSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        outcome = corners.rotate(batch, form.validated_data["school_class"], due_on=form.validated_data.get("due_on"),
                                 actor=request.user, role=Role.CIRCULATION)
        return _outcome(outcome, created=True)


# --- Overdues -------------------------------------------------------------------------------

def _int(value: str) -> int:
    if not str(value).isdigit():
        raise serializers.ValidationError({"school_class": ["a class id"]})
    return int(value)


def _day(params) -> dt.date:
    if not params.get("on"):
        return timezone.localdate()
    try:
        return dt.date.fromisoformat(params["on"])
    except ValueError as exc:
        raise serializers.ValidationError({"on": ["a date, YYYY-MM-DD"]}) from exc


class OverdueList(APIView):
    """Overdue loans on a day (``?on=``, default today) by class, overdue days in open days."""

    permission_classes = OWN_STAFF

    @extend_schema(parameters=[OpenApiParameter("on", OpenApiTypes.DATE),
                               OpenApiParameter("school_class", OpenApiTypes.INT)],
                   responses=ClassOverduesSerializer(many=True))
    def get(self, request, code):
        school_class = None
        if request.query_params.get("school_class"):
            school_class = get_object_or_404(SchoolClass, pk=_int(request.query_params["school_class"]))
        groups = overdues.overdue_by_class(_day(request.query_params), school_class=school_class)
        return Response(ClassOverduesSerializer(groups, many=True).data)


class OverdueRemind(APIView):
    """E-mail now the classes whose reminder is due by the policy (the daily run does the same)."""

    permission_classes = OWN_STAFF

    @extend_schema(request=None, responses=ReminderReportSerializer)
    def post(self, request, code):
        report = overdues.send_reminders(library_name=request.library.name)
        return Response(ReminderReportSerializer(report.as_dict()).data)


# --- Charges --------------------------------------------------------------------------------

def _ledger(request):
    params = request.query_params if hasattr(request, "query_params") else request.GET
    school_class = None
    if params.get("school_class"):
        school_class = get_object_or_404(SchoolClass, pk=_int(params["school_class"]))
    status_ = params.get("status", "")
    kind = params.get("kind", "")
    if status_ and status_ not in Charge.Status.values:
        raise serializers.ValidationError({"status": [", ".join(Charge.Status.values)]})
    if kind and kind not in Charge.Kind.values:
        raise serializers.ValidationError({"kind": [", ".join(Charge.Kind.values)]})
    return charges.ledger(status=status_, kind=kind, school_class=school_class)


LEDGER_FILTERS = [OpenApiParameter("status", OpenApiTypes.STR, enum=list(Charge.Status.values)),
                  OpenApiParameter("kind", OpenApiTypes.STR, enum=list(Charge.Kind.values)),
                  OpenApiParameter("school_class", OpenApiTypes.INT)]


class ChargeList(generics.ListAPIView):
    """The charges ledger, newest first; POST charges the borrower of a lost or damaged item on loan."""

    permission_classes = OWN_STAFF
    serializer_class = ChargeSerializer

    def get_queryset(self):
        return _ledger(self.request)

    @extend_schema(parameters=LEDGER_FILTERS)
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    @extend_schema(request=NewChargeSerializer, responses={201: ChargeSerializer, 409: REFUSED})
    def post(self, request, code):
        form = NewChargeSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        charge = charges.charge_item(form.validated_data["barcode"], form.validated_data["kind"], actor=request.user,
                                     role=Role.CIRCULATION, note=form.validated_data["note"])
        return Response(ChargeSerializer(charges.get_charge(charge.pk)).data, status=status.HTTP_201_CREATED)


class ChargeTotals(APIView):
    """Count and sum of the ledger's charges by status (with the same filters as the ledger)."""

    permission_classes = OWN_STAFF

    @extend_schema(parameters=LEDGER_FILTERS, responses=TotalsSerializer)
    def get(self, request, code):
        return Response(charges.totals(_ledger(request)).as_dict())


class ChargeExport(APIView):
    """The ledger (same filters) as CSV."""

    permission_classes = OWN_STAFF

    @extend_schema(parameters=LEDGER_FILTERS, responses={(200, "text/csv"): OpenApiTypes.STR})
    def get(self, request, code):
        return csv_response(charges.ledger_csv(_ledger(request)), request.library.code)


def csv_response(text: str, library_code: str) -> HttpResponse:
    response = HttpResponse("\ufeff" + text, content_type="text/csv; charset=utf-8")  # BOM: Excel reads UTF-8
    name = f"charges-{library_code}-{timezone.localdate():%Y%m%d}.csv"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


class ChargeAction(APIView):
    """Settle an open charge: ``pay``, ``waive`` (note = the reason, required) or ``replace`` (copy received)."""

    permission_classes = OWN_STAFF

    @extend_schema(request=SettleSerializer, responses={200: ChargeSerializer, 409: REFUSED})
    def post(self, request, code, pk, action):
        charge = charges.get_charge(pk)
        form = SettleSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        note = form.validated_data["note"]
        if action == "pay":
            charges.pay(charge, actor=request.user, role=Role.CIRCULATION, note=note)
        elif action == "waive":
            charges.waive(charge, reason=note, actor=request.user, role=Role.CIRCULATION)
        else:
            charges.replacement_received(charge, actor=request.user, role=Role.CIRCULATION, note=note)
        return Response(ChargeSerializer(charges.get_charge(pk)).data)


urlpatterns = [
    path("corners/", BatchList.as_view(), name="circ-api-corners-batches"),
    path("corners/<int:pk>/", BatchDetail.as_view(), name="circ-api-corners-batch"),
    path("corners/<int:pk>/return/", BatchReturn.as_view(), name="circ-api-corners-return"),
    path("corners/<int:pk>/exchange/", BatchExchange.as_view(), name="circ-api-corners-exchange"),
    path("corners/<int:pk>/rotate/", BatchRotate.as_view(), name="circ-api-corners-rotate"),
    path("overdues/", OverdueList.as_view(), name="circ-api-corners-overdues"),
    path("overdues/remind/", OverdueRemind.as_view(), name="circ-api-corners-remind"),
    path("charges/", ChargeList.as_view(), name="circ-api-corners-charges"),
    path("charges/totals/", ChargeTotals.as_view(), name="circ-api-corners-charge-totals"),
    path("charges/export/", ChargeExport.as_view(), name="circ-api-corners-charge-export"),
    *(path(f"charges/<int:pk>/{action}/", ChargeAction.as_view(), {"action": action},
           name=f"circ-api-corners-charge-{action}") for action in ("pay", "waive", "replace")),
]
