"""Renderers for API answers that are files (CSV, XLSX): the bytes a view made, as they are."""

from __future__ import annotations

from rest_framework.renderers import BaseRenderer, JSONRenderer

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class _Download(BaseRenderer):
    """Lets a client that asks only for the file's type have it; errors still come as JSON text."""

    charset = None

    def render(self, data, accepted_media_type=None, renderer_context=None):
        return data if isinstance(data, bytes) else JSONRenderer().render(data)


class CsvRenderer(_Download):
    media_type, format = "text/csv", "csv"


class XlsxRenderer(_Download):
    media_type, format = XLSX_TYPE, "xlsx"
