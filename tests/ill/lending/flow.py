"""Helpers of the lender's and borrower's tests: a request sent to one lender with the core API,
the lender's answers and physical steps, and reading what a PDF says."""

from __future__ import annotations

import base64
import re
import zlib

from django.db import connection
from django_tenants.utils import tenant_context

from ill.models import IllRequest, RotaEntry, Supply
from ill.services import exchange
from ill.services.transitions import advance_request, next_request_number


def request_to(borrower, lender, record, *, reader=None, service_type="Loan", then=()) -> tuple[IllRequest, Supply]:
    """A request of ``borrower`` (for ``reader``) sent to ``lender`` as the rota would send it;
    the lenders ``then`` wait their turn behind it."""
    request = IllRequest.objects.create(
        number=next_request_number(), borrower=borrower, union_record=record,
        bib={"title": record.title, "isbn": (record.isbns or [""])[0]}, service_type=service_type,
        reader_id=reader.pk if reader else None, status=IllRequest.Status.SOURCING)
    entry = RotaEntry.objects.create(request=request, position=1, lender=lender, score=10,
                                     outcome=RotaEntry.Outcome.ASKED)
    for position, other in enumerate(then, 2):
        RotaEntry.objects.create(request=request, position=position, lender=other, score=5)
    advance_request(request, "send_to_lender", values={"lender": lender})
    supply = exchange.send_request(request, entry)
    request.refresh_from_db()
    return request, supply


def fresh(obj):
    obj.refresh_from_db()
    return obj


def item_in(library, pk):
    from tenants.catalogue.models import Item

    with tenant_context(library):
        item = Item.objects.select_related("holdings__instance").get(pk=pk)
    connection.set_schema_to_public()
    return item


def loan_in(library, pk):
    from circulation.models import Loan

    with tenant_context(library):
        loan = Loan.objects.select_related("reader").get(pk=pk)
    connection.set_schema_to_public()
    return loan


def is_open_day(library, day) -> bool:
    from circulation.services.calendar import SchoolCalendar

    with tenant_context(library):
        result = SchoolCalendar().is_open(day)
    connection.set_schema_to_public()
    return result


def _unescape(raw: bytes) -> bytes:
    out, i = bytearray(), 0
    while i < len(raw):
        ch = raw[i]
        if ch == 0x5C and i + 1 < len(raw):  # backslash
            nxt = raw[i + 1]
            if 0x30 <= nxt <= 0x37:
                digits = re.match(rb"[0-7]{1,3}", raw[i + 1:i + 4]).group()
                out.append(int(digits, 8) & 0xFF)
                i += 1 + len(digits)
                continue
            out.append({ord("n"): 10, ord("r"): 13, ord("t"): 9, ord("b"): 8, ord("f"): 12}.get(nxt, nxt))
            i += 2
            continue
        out.append(ch)
        i += 1
    return bytes(out)


def pdf_text(pdf: bytes) -> str:
    """The strings a reportlab PDF draws, decoded by their font (the CID font's are UTF-16)."""
    base_fonts = dict(re.findall(rb"(\d+) 0 obj\s*<<\s*/BaseFont /([\w-]+)", pdf))
    cid_fonts = {name for name, obj in re.findall(rb"/(F\d+) (\d+) 0 R", pdf)
                 if base_fonts.get(obj) == b"STSong-Light"}
    texts = []
    for raw in re.findall(rb"stream\r?\n(.*?)endstream", pdf, re.S):
        raw = raw.strip()
        try:
            if raw.endswith(b"~>"):
                raw = base64.a85decode(raw[:-2])
            stream = zlib.decompress(raw)
        except (ValueError, zlib.error):
            continue
        font = b""
        for match in re.finditer(rb"/(F\d+) [\d.]+ Tf|\(((?:[^()\\]|\\.)*)\) Tj", stream, re.S):
            if match.group(1):
                font = match.group(1)
                continue
            data = _unescape(match.group(2))
            texts.append(data.decode("utf-16-be", "replace") if font in cid_fonts else data.decode("latin-1"))
    return "\n".join(texts)


def shipped_to_reader(ill_world, shared_book, reader, today):
    """A request of alpha's ``reader`` supplied by beta, shipped, received and lent to the reader."""
    from ill.services import borrowing, lending

    request, supply = request_to(ill_world["alpha"], ill_world["beta"], shared_book["record"], reader=reader)
    lending.answer(supply, "will_supply")
    lending.ship(fresh(supply), today=today)
    borrowing.receive(fresh(request))
    borrowing.lend_to_reader(fresh(request), today=today)
    return fresh(request), fresh(supply)
