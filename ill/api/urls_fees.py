"""ILL API routes: fees (see ill/api/urls.py)."""

from django.urls import path

from ill.api import fees

urlpatterns = [
    path("statements/", fees.Statements.as_view(), name="ill-api-statements"),
    path("statements/csv/", fees.StatementsCsv.as_view(), name="ill-api-statements-csv"),
    path("statements/xlsx/", fees.StatementsXlsx.as_view(), name="ill-api-statements-xlsx"),
    path("fees/schedule/", fees.Schedule.as_view(), name="ill-api-fee-schedule"),
    path("fees/subsidies/", fees.SubsidyRules.as_view(), name="ill-api-subsidy-rules"),
    path("fees/subsidies/<int:pk>/", fees.SubsidyRuleDetail.as_view(), name="ill-api-subsidy-rule"),
]
