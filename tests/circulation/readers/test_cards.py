"""Library cards and class barcode sheets: a real PDF with one Code 128 barcode per student."""

from __future__ import annotations

import base64
import re
import zlib

from reportlab.graphics.barcode.code128 import Code128
from reportlab.lib.units import mm

from circulation.models import Reader
from circulation.services import cards


def page_count(pdf: bytes) -> int:
    return len(re.findall(rb"/Type /Page\b", pdf))


def content(pdf: bytes) -> bytes:
    """Every stream of the PDF, decoded (reportlab writes ASCII85 over Flate)."""
    out = []
    for raw in re.findall(rb"stream\r?\n(.*?)endstream", pdf, re.S):
        raw = raw.strip()
        try:
            if raw.endswith(b"~>"):
                raw = base64.a85decode(raw[:-2])
            out.append(zlib.decompress(raw))
        except (ValueError, zlib.error):
            out.append(raw)  # a font file, not a drawing
    return b"\n".join(out)


def bar_widths(value: str, bar_width: float) -> list[float]:
    """The bars a Code 128 barcode of ``value`` draws, as the PDF writes their widths."""
    code = Code128(value, barWidth=bar_width, quiet=False)
    code.validate()
    code.encode()
    code.decompose()
    # Upper-case letters are bars (A one module wide … D four), lower-case the spaces between.
    return [(ord(ch) - ord("A") + 1) * bar_width for ch in code.decomposed if ch.isupper()]


def test_a_class_sheet_holds_one_barcode_per_student(in_library, make_class, make_reader):
    school_class = make_class(grade=3, number="2")
    students = [make_reader(f"学生{n}", card=f"C{n:04d}", school_class=school_class) for n in range(30)]
    make_reader("离校生", card="GONE", school_class=school_class, status="left")
    pdf = cards.class_sheet_pdf(school_class, cards.class_readers(school_class), library_name="甲校图书馆")
    assert pdf.startswith(b"%PDF") and page_count(pdf) == 2  # 22 a page
    text = content(pdf)
    for student in students:
        assert text.count(f"({student.card_number}) Tj".encode()) == 1
    assert b"GONE" not in text
    assert b"STSong-Light" in pdf  # Chinese names have their font


def test_cards_hold_the_barcode_of_each_card_number(in_library, make_reader):
    readers = [make_reader("王小明", card=f"R{n:05d}") for n in range(12)]
    pdf = cards.cards_pdf(Reader.objects.order_by("card_number"), library_name="甲校图书馆")
    assert page_count(pdf) == 2  # ten cards a page
    text = content(pdf).decode("latin-1")
    for reader in readers:
        assert text.count(f"({reader.card_number}) Tj") == 1
    # The bars of each barcode are drawn as rectangles of the widths Code 128 gives its number.
    widths = [float(w) for w in re.findall(r"n [-\d.]+ [-\d.]+ ([\d.]+) [\d.]+ re f\*", text)]
    expected = []
    for reader in readers:
        expected += bar_widths(reader.card_number, cards.BAR_WIDTH)
    assert len(widths) == len(expected)
    assert all(abs(a - b) < 0.01 for a, b in zip(widths, expected, strict=True))


def test_bar_width_constant_is_scannable():
    assert cards.BAR_WIDTH >= 0.25 * mm
