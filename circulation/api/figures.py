"""The school's figures in the API: /api/v1/libraries/<code>/figures/ and one table as CSV or XLSX.

Open to the library's own circulation staff and its administrator only: coordinators read the
consortium's dashboards, never one school's figures per class. Figures are counts per grade and
class, never names. The period is ``term=<id>``, ``year=<yyyy>``, ``school_year=<yyyy>`` (from
1 September) or ``from=<date>&to=<date>``; without one, the current term.
"""

from __future__ import annotations

from django.http import HttpResponse
from django.urls import path
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.permissions import IsAuthenticated
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from circulation.services import figures
from core.api.renderers import XLSX_TYPE, CsvRenderer, XlsxRenderer
from tenants.api.permissions import own_library_roles
from tenants.models import Role

OWN_STAFF = [IsAuthenticated, own_library_roles(Role.CIRCULATION, Role.LIBRARY_ADMIN)]
CSV_TYPE = "text/csv; charset=utf-8"

PERIOD_PARAMETERS = [
    OpenApiParameter("term", int, description="a term of the school calendar, by id"),
    OpenApiParameter("year", int, description="a calendar year, e.g. 2026"),
    OpenApiParameter("school_year", int, description="the school year starting on 1 September of this year"),
    OpenApiParameter("from", OpenApiTypes.DATE, description="the first day (with to)"),
    OpenApiParameter("to", OpenApiTypes.DATE, description="the last day, included (with from)"),
]
TABLE_PARAMETER = OpenApiParameter("table", str, enum=list(figures.TABLES), required=True,
                                   description="which table of the figures")


# --- Serializers (they document the answer; the service's plain data is returned as it is) ---

class PeriodSerializer(serializers.Serializer):
    kind = serializers.CharField(help_text="term, school_year, year or range")
    # "from" is a Python keyword: the field is named through the serializer's fields below.
    to = serializers.DateField(help_text="the last day, included")
    label = serializers.CharField()
    term = serializers.IntegerField(allow_null=True, help_text="the term's id, when the period is a term")

    def get_fields(self):
        fields = super().get_fields()
        fields["from"] = serializers.DateField(help_text="the first day")
        return fields


class EnrolmentSerializer(serializers.Serializer):
    students = serializers.IntegerField(help_text="the number of students the shares are taken of")
    source = serializers.ChoiceField(choices=["library", "cards"],
                                     help_text="library: the school's own enrolment figure; cards: none given, "
                                               "students with an active card stand in")


class FigureSerializer(serializers.Serializer):
    key = serializers.ChoiceField(choices=["loans_per_student", "card_share", "borrower_share", "circulation_rate",
                                           "items_per_student", "new_items_per_student", "loans", "student_loans",
                                           "corner_loans"])
    label = serializers.CharField()
    value = serializers.FloatField(allow_null=True, help_text="null when the denominator is 0")
    numerator = serializers.IntegerField()
    denominator = serializers.IntegerField(allow_null=True)
    basis = serializers.CharField(help_text="what is divided by what")


class GradeSerializer(serializers.Serializer):
    grade = serializers.IntegerField(allow_null=True, help_text="null: students without a class")
    label = serializers.CharField()
    students = serializers.IntegerField(help_text="students with an active card")
    loans = serializers.IntegerField(help_text="loans by the grade's students")
    corner_loans = serializers.IntegerField(help_text="items lent to the grade's class corners")
    loans_per_student = serializers.FloatField(allow_null=True)


class ClassSerializer(GradeSerializer):
    class_id = serializers.IntegerField(allow_null=True)
    # "class" is a Python keyword: added in get_fields.

    def get_fields(self):
        fields = super().get_fields()
        fields["class"] = serializers.CharField(help_text="the class within its grade")
        return fields


class TitleSerializer(serializers.Serializer):
    rank = serializers.IntegerField()
    instance_id = serializers.IntegerField()
    title = serializers.CharField()
    loans = serializers.IntegerField()


class FiguresSerializer(serializers.Serializer):
    period = PeriodSerializer()
    enrolment = EnrolmentSerializer()
    summary = FigureSerializer(many=True)
    grades = GradeSerializer(many=True)
    classes = ClassSerializer(many=True)
    titles = TitleSerializer(many=True, help_text="the ten most-borrowed titles of the period")


def figures_of(request) -> dict:
    params = request.GET
    period = figures.period_for(term=params.get("term"), year=params.get("year"),
                                school_year=params.get("school_year"), date_from=params.get("from"),
                                date_to=params.get("to"))
    return figures.school_figures(request.library, period)


def export_response(request, extension: str) -> HttpResponse:
    """One table of the figures as a CSV or XLSX download (shared with the figures page)."""
    name = figures.check_table(request.GET.get("table", ""))
    data = figures_of(request)
    if extension == "csv":
        response = HttpResponse(figures.export_csv(data, name), content_type=CSV_TYPE)
    else:
        response = HttpResponse(figures.export_xlsx(data, name), content_type=XLSX_TYPE)
    filename = figures.export_filename(request.library, data, name, extension)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


class Figures(APIView):
    """The school's figures for a period: summary, per grade, per class and the most-borrowed titles."""

    permission_classes = OWN_STAFF

    @extend_schema(parameters=PERIOD_PARAMETERS, responses={200: FiguresSerializer})
    def get(self, request, code):
        return Response(figures_of(request))


class FiguresCsv(APIView):
    """One table of the figures as CSV (UTF-8 with a byte order mark)."""

    permission_classes = OWN_STAFF
    renderer_classes = [JSONRenderer, CsvRenderer]

    @extend_schema(parameters=[TABLE_PARAMETER, *PERIOD_PARAMETERS],
                   responses={(200, "text/csv"): OpenApiResponse(OpenApiTypes.STR, description="the table")})
    def get(self, request, code):
        return export_response(request, "csv")


class FiguresXlsx(APIView):
    """One table of the figures as an XLSX workbook."""

    permission_classes = OWN_STAFF
    renderer_classes = [JSONRenderer, XlsxRenderer]

    @extend_schema(parameters=[TABLE_PARAMETER, *PERIOD_PARAMETERS],
                   responses={(200, XLSX_TYPE): OpenApiResponse(OpenApiTypes.BINARY, description="the table")})
    def get(self, request, code):
        return export_response(request, "xlsx")


urlpatterns = [
    path("figures/", Figures.as_view(), name="circ-api-figures"),
    path("figures/export.csv", FiguresCsv.as_view(), name="circ-api-figures-csv"),
    path("figures/export.xlsx", FiguresXlsx.as_view(), name="circ-api-figures-xlsx"),
]
