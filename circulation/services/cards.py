"""Printable library cards and per-class barcode sheets (PDF, a Code 128 barcode per reader).

Drawn with reportlab. Names print with its built-in CID font STSong-Light, which every PDF
reader supplies, so Chinese names need no font file; card numbers are drawn in Helvetica under
each barcode, so a card still works when the barcode is worn.
"""

from __future__ import annotations

import io
from collections.abc import Iterable

from django.utils.translation import gettext as _
from reportlab.graphics.barcode.code128 import Code128
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfgen.canvas import Canvas

from circulation.exceptions import UserError
from circulation.models import Reader, SchoolClass

CJK_FONT = "STSong-Light"
LATIN_FONT = "Helvetica"
CARD_W, CARD_H = 85.6 * mm, 54 * mm  # ISO/IEC 7810 ID-1, the size of a bank card
BAR_WIDTH = 0.3 * mm  # a narrow bar; scanners read 0.25 mm and up from a laser print
MARGIN = 12 * mm


def _fonts() -> None:
    if CJK_FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(CJK_FONT))


def _canvas(out, title: str) -> Canvas:
    _fonts()
    canvas = Canvas(out, pagesize=A4)
    canvas.setTitle(title)
    canvas.setCreator("unioncat")
    return canvas


def _barcode(canvas: Canvas, value: str, x: float, y: float, max_width: float, height: float) -> None:
    """A Code 128 barcode of ``value`` with its text under it, centred in ``max_width`` from ``x``."""
    bar_width = BAR_WIDTH
    barcode = Code128(value, barWidth=bar_width, barHeight=height, quiet=False)
    if barcode.width > max_width:  # long card numbers: narrower bars rather than a barcode off the card
        bar_width = BAR_WIDTH * max_width / barcode.width
        barcode = Code128(value, barWidth=bar_width, barHeight=height, quiet=False)
    barcode.drawOn(canvas, x + (max_width - barcode.width) / 2, y + 4 * mm)
    canvas.setFont(LATIN_FONT, 8)
    canvas.drawCentredString(x + max_width / 2, y, value)


def _fit(canvas: Canvas, text: str, font: str, size: float, width: float) -> float:
    while size > 6 and canvas.stringWidth(text, font, size) > width:
        size -= 0.5
    return size


def cards_pdf(readers: Iterable[Reader], *, library_name: str) -> bytes:
    """Library cards, ten to an A4 page (two columns of five), cut along the grey lines."""
    out = io.BytesIO()
    canvas = _canvas(out, _("Library cards"))
    page_w, page_h = A4
    left = (page_w - 2 * CARD_W) / 2
    top = page_h - (page_h - 5 * CARD_H) / 2
    slot = 0
    for reader in readers:
        if slot == 10:
            canvas.showPage()
            slot = 0
        column, row = slot % 2, slot // 2
        x, y = left + column * CARD_W, top - (row + 1) * CARD_H
        canvas.setStrokeGray(0.7)
        canvas.setLineWidth(0.3)
        canvas.rect(x, y, CARD_W, CARD_H)
        inner = CARD_W - 8 * mm
        size = _fit(canvas, library_name, CJK_FONT, 9, inner)
        canvas.setFont(CJK_FONT, size)
        canvas.drawString(x + 4 * mm, y + CARD_H - 7 * mm, library_name)
        canvas.setFont(CJK_FONT, 7)
        canvas.drawRightString(x + CARD_W - 4 * mm, y + CARD_H - 11 * mm, _("Library card"))
        canvas.setFont(CJK_FONT, _fit(canvas, reader.name, CJK_FONT, 14, inner))
        canvas.drawString(x + 4 * mm, y + CARD_H - 17 * mm, reader.name)
        line = str(reader.school_class) if reader.school_class_id else reader.get_kind_display()
        canvas.setFont(CJK_FONT, 9)
        canvas.drawString(x + 4 * mm, y + CARD_H - 23 * mm, line)
        _barcode(canvas, reader.card_number, x + 4 * mm, y + 4 * mm, inner, 12 * mm)
        slot += 1
    if slot == 0:
        canvas.setFont(CJK_FONT, 12)
        canvas.drawString(MARGIN, page_h - MARGIN - 12, _("No readers to print."))
    canvas.showPage()
    canvas.save()
    return out.getvalue()


def class_sheet_pdf(school_class: SchoolClass, readers: Iterable[Reader], *, library_name: str) -> bytes:
    """One class on A4 pages: a numbered barcode per student, two columns, for a helper to scan."""
    out = io.BytesIO()
    title = str(school_class)
    canvas = _canvas(out, title)
    page_w, page_h = A4
    column_w = (page_w - 2 * MARGIN) / 2
    row_h = 23 * mm
    first_row_top = page_h - MARGIN - 14 * mm
    rows_per_page = int((first_row_top - MARGIN) // row_h)
    per_page = rows_per_page * 2

    def heading(page: int) -> None:
        canvas.setFont(CJK_FONT, 14)
        canvas.drawString(MARGIN, page_h - MARGIN - 6 * mm, f"{library_name} · {title}")
        canvas.setFont(CJK_FONT, 8)
        canvas.drawRightString(page_w - MARGIN, page_h - MARGIN - 6 * mm, str(page))

    readers = list(readers)
    heading(1)
    for n, reader in enumerate(readers):
        slot = n % per_page
        if n and slot == 0:
            canvas.showPage()
            heading(n // per_page + 1)
        column, row = slot // rows_per_page, slot % rows_per_page
        x, y = MARGIN + column * column_w, first_row_top - (row + 1) * row_h
        canvas.setFont(CJK_FONT, 10)
        canvas.drawString(x, y + row_h - 6 * mm, f"{n + 1}. {reader.name}")
        _barcode(canvas, reader.card_number, x, y + 2 * mm, column_w - 8 * mm, 10 * mm)
    if not readers:
        canvas.setFont(CJK_FONT, 12)
        canvas.drawString(MARGIN, first_row_top - 12, _("This class has no active students."))
    canvas.showPage()
    canvas.save()
    return out.getvalue()


def class_readers(school_class: SchoolClass):
    """The class's active students in card order, the order of its sheet."""
    return Reader.objects.filter(school_class=school_class, status=Reader.Status.ACTIVE).order_by(
        "student_number", "card_number")


def readers_to_print(params) -> list[Reader]:
    """Active readers for cards: ``class`` (an id) or ``ids`` ("1,2,3") from a query, else all of them."""
    chosen = (Reader.objects.filter(status=Reader.Status.ACTIVE).exclude(kind=Reader.Kind.LIBRARY)
              .select_related("school_class"))
    try:
        if params.get("class"):
            chosen = chosen.filter(school_class_id=int(params["class"]))
        if params.get("ids"):
            chosen = chosen.filter(pk__in=[int(i) for i in params["ids"].split(",") if i.strip()])
    except ValueError as exc:
        raise UserError(_("Readers are chosen by class id or reader ids."), code="invalid") from exc
    return list(chosen.order_by("school_class__grade", "school_class__number", "student_number", "card_number"))
