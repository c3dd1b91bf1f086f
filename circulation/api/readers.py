"""Readers and classes in the API (/api/v1/libraries/<code>/...): the card file, bulk import,
promotion, a reader's data (export, erasure), cards and class barcode sheets, and a signed-in
reader's own loans.

The card file is the library's own circulation staff's (its administrator holds that role):
coordinators never see readers. ``my/loans/`` is the signed-in reader's, for their own loans only.
"""

from __future__ import annotations

from django.http import HttpResponse
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import generics, serializers, status
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.permissions import BasePermission, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from circulation.exceptions import NotFound
from circulation.models import Loan, Reader, SchoolClass
from circulation.services import cards, desk, readers
from circulation.services.reader_import import import_readers
from core.api.schema import ErrorSerializer
from tenants.api.permissions import own_library_roles
from tenants.models import Role
from tenants.services import access

OWN_STAFF = [IsAuthenticated, own_library_roles(Role.CIRCULATION)]
PDF = {(200, "application/pdf"): OpenApiTypes.BINARY}


class IsOwnMember(BasePermission):
    """Any membership of the library itself (its readers, its staff); never a coordinator's."""

    def has_permission(self, request, view) -> bool:
        return bool(getattr(request, "library", None) and access.own_roles_in(request.user, request.library))


READER_SELF = [IsAuthenticated, IsOwnMember]


# --- Serializers ----------------------------------------------------------------------------

class ReaderSerializer(serializers.ModelSerializer):
    class_name = serializers.SerializerMethodField()
    grade = serializers.IntegerField(read_only=True, allow_null=True)
    has_pin = serializers.SerializerMethodField()
    school_class = serializers.PrimaryKeyRelatedField(
        queryset=SchoolClass.objects.all(), allow_null=True, required=False)
    card_number = serializers.CharField(max_length=40, required=False, allow_blank=True,
                                        help_text="defaults to the student number")

    class Meta:
        model = Reader
        fields = ["id", "card_number", "name", "kind", "status", "school_class", "class_name", "grade",
                  "student_number", "email", "suspended_reason", "left_on", "has_pin", "created_at"]
        read_only_fields = ["status", "suspended_reason", "left_on", "created_at"]
        validators = []  # uniqueness is the service's to check (it answers with a clear message)

    def get_class_name(self, reader) -> str | None:
        return str(reader.school_class) if reader.school_class_id else None

    def get_has_pin(self, reader) -> bool:
        return bool(reader.pin_hash)


class StatusSerializer(serializers.Serializer):
    status = serializers.ChoiceField(Reader.Status.choices)
    reason = serializers.CharField(max_length=200, required=False, allow_blank=True,
                                   help_text="why the card is suspended (required to suspend)")
    left_on = serializers.DateField(required=False, allow_null=True, help_text="default: today")


class PinSerializer(serializers.Serializer):
    pin = serializers.CharField(max_length=128, allow_blank=True, trim_whitespace=True,
                                help_text="the reader's new password or PIN; empty removes web sign-in")


class ImportSerializer(serializers.Serializer):
    file = serializers.FileField(help_text="CSV (UTF-8 or GB18030) or XLSX, one row per reader")
    dry_run = serializers.BooleanField(default=False, help_text="check every row, write nothing")


class ImportReportSerializer(serializers.Serializer):
    rows = serializers.IntegerField()
    created = serializers.IntegerField()
    updated = serializers.IntegerField()
    classes_created = serializers.IntegerField()
    dry_run = serializers.BooleanField()
    errors = serializers.SerializerMethodField(help_text="refused rows: the row number (the header is row 1) "
                                                         "and why")

    def get_errors(self, report) -> list[dict]:
        return [{"row": row, "message": message} for row, message in report.errors]


class SchoolClassSerializer(serializers.ModelSerializer):
    name = serializers.SerializerMethodField()
    student_count = serializers.SerializerMethodField()
    teacher = serializers.PrimaryKeyRelatedField(queryset=Reader.objects.all(), allow_null=True, required=False)
    teacher_name = serializers.CharField(source="teacher.name", read_only=True, default=None, allow_null=True)
    grade = serializers.IntegerField(min_value=1, max_value=16, help_text="1-12; 13-16 are college years")

    class Meta:
        model = SchoolClass
        fields = ["id", "grade", "number", "name", "teacher", "teacher_name", "active", "entry_year",
                  "student_count"]
        validators = []

    def get_name(self, school_class) -> str:
        return str(school_class)

    def get_student_count(self, school_class) -> int:
        """Active students: annotated on lists, counted for a single class."""
        count = getattr(school_class, "student_count", None)
        if count is None:
            count = school_class.students.filter(status=Reader.Status.ACTIVE).count()
        return count


class PromotionSerializer(serializers.Serializer):
    top_grade = serializers.IntegerField(min_value=1, max_value=16, required=False,
                                         help_text="the grade that graduates; default: the school's top grade")


class PromotionPlanSerializer(serializers.Serializer):
    top_grade = serializers.IntegerField()
    done = serializers.BooleanField()
    leaving = serializers.IntegerField()
    moves = serializers.ListField(child=serializers.DictField())
    graduating = serializers.ListField(child=serializers.DictField())
    leaving_with_loans = serializers.ListField(child=serializers.DictField())


class MyLoanSerializer(serializers.ModelSerializer):
    barcode = serializers.CharField(source="item.barcode")
    title = serializers.CharField(source="item.holdings.instance.title")
    overdue = serializers.SerializerMethodField()

    class Meta:
        model = Loan
        fields = ["id", "barcode", "title", "status", "loaned_at", "due_on", "returned_at", "renewals", "overdue"]

    def get_overdue(self, loan) -> bool:
        return loan.status == Loan.Status.OPEN and loan.due_on < timezone.localdate()


class RenewSerializer(serializers.Serializer):
    barcode = serializers.CharField(max_length=60)


def _reader_fields(data: dict) -> dict:
    return {k: v for k, v in data.items() if k in readers.READER_FIELDS}


def _pdf(body: bytes, name: str) -> HttpResponse:
    response = HttpResponse(body, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{name}"'
    return response


# --- The card file ----------------------------------------------------------------------------

class ReaderList(generics.ListAPIView):
    """The library's readers; filter by ``class``, ``grade``, ``kind``, ``status``; ``q`` finds a name,
    card or student number. POST creates one."""

    permission_classes = OWN_STAFF
    serializer_class = ReaderSerializer

    def get_queryset(self):
        p = self.request.query_params
        return readers.search_readers(q=p.get("q", ""), school_class=p.get("class") or None, kind=p.get("kind", ""),
                                      status=p.get("status", ""), grade=p.get("grade") or None)

    @extend_schema(parameters=[
        OpenApiParameter("q", str, description="a name, card number or student number"),
        OpenApiParameter("class", int, description="a class id"),
        OpenApiParameter("grade", int, enum=list(range(1, 17))),
        OpenApiParameter("kind", str, enum=Reader.Kind.values), OpenApiParameter("status", str, enum=Reader.Status.values),
    ])
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    @extend_schema(request=ReaderSerializer, responses={201: ReaderSerializer})
    def post(self, request, code):
        form = ReaderSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        reader = readers.create_reader(actor=request.user, **_reader_fields(form.validated_data))
        return Response(ReaderSerializer(reader).data, status=status.HTTP_201_CREATED)


class ReaderDetail(APIView):
    """One reader; PATCH changes the card (name, class, type, numbers, e-mail)."""

    permission_classes = OWN_STAFF

    @extend_schema(responses={200: ReaderSerializer, 404: ErrorSerializer})
    def get(self, request, code, pk):
        return Response(ReaderSerializer(readers.get_reader(pk)).data)

    @extend_schema(request=ReaderSerializer, responses={200: ReaderSerializer})
    def patch(self, request, code, pk):
        reader = readers.get_reader(pk)
        form = ReaderSerializer(reader, data=request.data, partial=True)
        form.is_valid(raise_exception=True)
        reader = readers.update_reader(reader, actor=request.user, **_reader_fields(form.validated_data))
        return Response(ReaderSerializer(reader).data)


class ReaderStatus(APIView):
    """Suspend a card (with a reason), reactivate it, or mark the reader as having left."""

    permission_classes = OWN_STAFF

    @extend_schema(request=StatusSerializer, responses={200: ReaderSerializer})
    def post(self, request, code, pk):
        form = StatusSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        reader = readers.set_status(readers.get_reader(pk), form.validated_data["status"],
                                    reason=form.validated_data.get("reason", ""),
                                    left_on=form.validated_data.get("left_on"), actor=request.user)
        return Response(ReaderSerializer(reader).data)


class ReaderPin(APIView):
    """Set or reset the password or PIN the reader signs in to the catalogue with."""

    permission_classes = OWN_STAFF

    @extend_schema(request=PinSerializer, responses={200: ReaderSerializer})
    def post(self, request, code, pk):
        form = PinSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        reader = readers.set_pin(readers.get_reader(pk), form.validated_data["pin"], actor=request.user)
        return Response(ReaderSerializer(reader).data)


class ReaderExport(APIView):
    """Everything the library holds about one reader (card, loans, charges, desk log): ``?as=json``
    (default) or ``?as=csv``. Logged."""

    permission_classes = OWN_STAFF

    @extend_schema(parameters=[OpenApiParameter("as", str, enum=["json", "csv"])],
                   responses={(200, "application/json"): OpenApiTypes.OBJECT, (200, "text/csv"): OpenApiTypes.STR})
    def get(self, request, code, pk):
        body, content_type, name = readers.export_reader(readers.get_reader(pk), as_=request.query_params.get(
            "as", "json"), actor=request.user)
        response = HttpResponse(body, content_type=content_type)
        response["Content-Disposition"] = f'attachment; filename="{name}"'
        return response


class ReaderErase(APIView):
    """Erase a reader's identity (loans are kept, anonymous, for the figures). Refused with 409
    ``reader_has_open_items`` while items are on loan or charges open. Logged."""

    permission_classes = OWN_STAFF

    @extend_schema(request=None, responses={200: ReaderSerializer, 409: ErrorSerializer})
    def post(self, request, code, pk):
        reader = readers.erase_reader(readers.get_reader(pk), actor=request.user)
        return Response(ReaderSerializer(reader).data)


class ReaderImport(APIView):
    """Import a term's readers from CSV or XLSX (``dry_run`` checks without writing)."""

    permission_classes = OWN_STAFF
    parser_classes = [MultiPartParser, FormParser]

    @extend_schema(request=ImportSerializer, responses={200: ImportReportSerializer})
    def post(self, request, code):
        form = ImportSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        upload = form.validated_data["file"]
        report = import_readers(upload.read(), upload.name or "", dry_run=form.validated_data["dry_run"],
                                actor=request.user)
        return Response(ImportReportSerializer(report).data)


class ReaderCards(APIView):
    """Printable library cards (PDF): ``?class=<id>`` for a class, ``?ids=1,2,3`` for some readers,
    else every active reader."""

    permission_classes = OWN_STAFF

    @extend_schema(parameters=[OpenApiParameter("class", int), OpenApiParameter("ids", str)], responses=PDF)
    def get(self, request, code):
        return _pdf(cards.cards_pdf(cards.readers_to_print(request.query_params), library_name=request.library.name),
                    "cards.pdf")


# --- Classes ----------------------------------------------------------------------------------

class ClassList(generics.ListAPIView):
    """The school's active classes (``?all=1`` also graduated ones), with their teacher; POST creates one."""

    permission_classes = OWN_STAFF
    serializer_class = SchoolClassSerializer
    pagination_class = None

    def get_queryset(self):
        return readers.classes(include_inactive=bool(self.request.query_params.get("all")))

    @extend_schema(request=SchoolClassSerializer, responses={201: SchoolClassSerializer})
    def post(self, request, code):
        form = SchoolClassSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        school_class = readers.create_class(actor=request.user, **form.validated_data)
        return Response(SchoolClassSerializer(school_class).data, status=status.HTTP_201_CREATED)


class ClassDetail(APIView):
    """One class; PATCH changes its grade, number, teacher, year of entry or whether it is active."""

    permission_classes = OWN_STAFF

    @extend_schema(responses={200: SchoolClassSerializer})
    def get(self, request, code, pk):
        return Response(SchoolClassSerializer(readers.get_class(pk)).data)

    @extend_schema(request=SchoolClassSerializer, responses={200: SchoolClassSerializer})
    def patch(self, request, code, pk):
        school_class = readers.get_class(pk)
        form = SchoolClassSerializer(school_class, data=request.data, partial=True)
        form.is_valid(raise_exception=True)
        return Response(SchoolClassSerializer(readers.update_class(school_class, actor=request.user,
                                                                   **form.validated_data)).data)


class ClassSheet(APIView):
    """The class's barcode sheet (PDF): one Code 128 barcode per active student."""

    permission_classes = OWN_STAFF

    @extend_schema(responses=PDF)
    def get(self, request, code, pk):
        school_class = readers.get_class(pk)
        body = cards.class_sheet_pdf(school_class, cards.class_readers(school_class), library_name=request.library.name)
        return _pdf(body, f"class-{school_class.pk}.pdf")


class Promotion(APIView):
    """GET: what promotion would do. POST: move every class up a grade and graduate the top grade
    (its students are marked left; those with items still on loan are listed)."""

    permission_classes = OWN_STAFF
    parser_classes = [JSONParser, FormParser, MultiPartParser]

    def _top(self, request, data) -> int:
        form = PromotionSerializer(data=data)
        form.is_valid(raise_exception=True)
        return form.validated_data.get("top_grade") or readers.top_grade_of(request.library)

    @extend_schema(parameters=[OpenApiParameter("top_grade", int, enum=list(range(1, 17)))],
                   responses={200: PromotionPlanSerializer})
    def get(self, request, code):
        return Response(readers.plan_promotion(self._top(request, request.query_params)).as_dict())

    @extend_schema(request=PromotionSerializer, responses={200: PromotionPlanSerializer})
    def post(self, request, code):
        return Response(readers.promote(self._top(request, request.data), actor=request.user).as_dict())


# --- The signed-in reader ----------------------------------------------------------------------

def own_reader(request) -> Reader:
    """The card of the signed-in user in this library, or a 404 ``no_reader_card``."""
    reader = Reader.objects.filter(user_id=request.user.pk).first()
    if reader is None:
        raise NotFound(_("You have no library card here; ask the library for one."), code="no_reader_card")
    return reader


NO_CARD = OpenApiResponse(ErrorSerializer, description="The signed-in user has no card here (no_reader_card).")


class MyLoans(generics.ListAPIView):
    """The signed-in reader's own loans, open ones first, with due dates and an overdue flag
    (``?history=1`` adds returned loans)."""

    permission_classes = READER_SELF
    serializer_class = MyLoanSerializer

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # the OpenAPI schema is being drawn: no reader
            return Loan.objects.none()
        reader = own_reader(self.request)
        loans = Loan.objects.filter(reader=reader).select_related("item__holdings__instance")
        if not self.request.query_params.get("history"):
            loans = loans.filter(status=Loan.Status.OPEN)
        return loans.order_by("status", "due_on", "-loaned_at")

    @extend_schema(parameters=[OpenApiParameter("history", bool)], responses={200: MyLoanSerializer(many=True),
                                                                              404: NO_CARD})
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


class MyRenew(APIView):
    """Renew one of the signed-in reader's own loans by the item's barcode."""

    permission_classes = READER_SELF

    @extend_schema(request=RenewSerializer, responses={200: MyLoanSerializer, 404: NO_CARD, 409: ErrorSerializer})
    def post(self, request, code):
        reader = own_reader(request)
        form = RenewSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        outcome = desk.renew(form.validated_data["barcode"], reader=reader, actor=request.user)
        loan = Loan.objects.select_related("item__holdings__instance").get(pk=outcome.loan.pk)
        return Response({**MyLoanSerializer(loan).data, "message": outcome.message})


urlpatterns = [
    path("readers/", ReaderList.as_view(), name="circ-api-readers-list"),
    path("readers/import/", ReaderImport.as_view(), name="circ-api-readers-import"),
    path("readers/cards/", ReaderCards.as_view(), name="circ-api-readers-cards"),
    path("readers/<int:pk>/", ReaderDetail.as_view(), name="circ-api-readers-detail"),
    path("readers/<int:pk>/status/", ReaderStatus.as_view(), name="circ-api-readers-status"),
    path("readers/<int:pk>/pin/", ReaderPin.as_view(), name="circ-api-readers-pin"),
    path("readers/<int:pk>/export/", ReaderExport.as_view(), name="circ-api-readers-export"),
    path("readers/<int:pk>/erase/", ReaderErase.as_view(), name="circ-api-readers-erase"),
    path("classes/", ClassList.as_view(), name="circ-api-readers-classes"),
    path("classes/promotion/", Promotion.as_view(), name="circ-api-readers-promotion"),
    path("classes/<int:pk>/", ClassDetail.as_view(), name="circ-api-readers-class"),
    path("classes/<int:pk>/sheet/", ClassSheet.as_view(), name="circ-api-readers-class-sheet"),
    path("my/loans/", MyLoans.as_view(), name="circ-api-readers-my-loans"),
    path("my/loans/renew/", MyRenew.as_view(), name="circ-api-readers-my-renew"),
]
