"""ILL web pages: fees (see ill/web/urls.py)."""

from django.urls import path

from ill.web import fees

urlpatterns = [
    path("statements/", fees.statements, name="ill-statements"),
    path("statements/csv/", fees.statements_csv, name="ill-statements-csv"),
    path("statements/xlsx/", fees.statements_xlsx, name="ill-statements-xlsx"),
]
