"""Which union records an export request asks for, and in what form: the API and the staff export
page read the same parameters here, so the same filter downloads the same file on both.

    marc            marc21 (default) or cnmarc
    syntax          iso2709 (default) or marcxml
    q               title contains
    library         held by this member library (code)
    region          held by a library in this region or below (code)
    material_type   book, serial, map, ...
    updated_since   changed at or after this ISO 8601 date and time
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

from core.exceptions import NotFound, UserError
from tenants.models import Region
from union.services import export
from union.services.access import member_library


@dataclass(frozen=True)
class ExportSelection:
    records: QuerySet
    fmt: str
    syntax: str

    @property
    def content_type(self) -> str:
        return "application/marcxml+xml" if self.syntax == "marcxml" else "application/marc"

    @property
    def filename(self) -> str:
        return f"union-{self.fmt}.{'xml' if self.syntax == 'marcxml' else 'mrc'}"

    def chunks(self) -> Iterator[bytes]:
        return export.export(self.records.iterator(chunk_size=500), self.fmt, self.syntax)


def select_for_export(params) -> ExportSelection:
    """The records and format ``params`` (a query dict) ask for; a filter naming nothing known is an error,
    never a reason to export the whole catalogue."""
    fmt, syntax = params.get("marc") or "marc21", params.get("syntax") or "iso2709"
    if fmt not in export.FORMATS or syntax not in export.SYNTAXES:
        raise UserError(_("marc must be marc21 or cnmarc and syntax iso2709 or marcxml."), code="bad_format")
    library = member_library(params["library"]) if params.get("library") else None
    region = None
    if params.get("region"):
        region = Region.objects.filter(code=params["region"]).first()
        if region is None:
            raise NotFound(_("No such region."))
    since = None
    if params.get("updated_since"):
        try:
            since = parse_datetime(params["updated_since"])
        except ValueError:  # well formed but impossible, such as month 13
            since = None
        if since is None:
            raise UserError(_("updated_since must be an ISO 8601 date and time."), code="bad_date")
        if timezone.is_naive(since):  # a browser's date-time field carries no offset: the site's time
            since = timezone.make_aware(since)
    records = export.filtered(params.get("q", ""), library, region, params.get("material_type", ""), since)
    return ExportSelection(records, fmt, syntax)
