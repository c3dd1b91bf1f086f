"""Weeding and the accession ledgers: the withdrawal ledger (注销帐), 总括帐 and 分类帐.

Run inside the library's schema. Items leave the collection only through the item status
table's ``withdraw`` (the catalogue's status service: audited, told to the union catalogue);
each withdrawn item gets one line in the withdrawal ledger, with the title, call number, CLC
main class and price copied, so the ledger stays whole when the record is later deleted.

The accession ledgers count an item as added in the year of its acquisition date (the date it
was created in the catalogue when that is empty), at its price (nothing when it has none), and
as withdrawn in the year of its withdrawal-ledger line. Holdings at a year's end are all items
added up to that year less all lines withdrawn up to it.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import connection, transaction
from django.db.models import Count, F, Sum
from django.db.models.fields.json import KeyTextTransform
from django.db.models.functions import Coalesce, ExtractYear, Substr, Upper
from django.utils import timezone
from django.utils.translation import gettext as _

from circulation.exceptions import NotFound, Refused, UserError
from circulation.models import Loan, Withdrawal
from circulation.services.desk import actor_name
from core.exceptions import Conflict
from tenants.catalogue.models import Item, ItemStatus
from tenants.catalogue.services.items import apply_item_action
from tenants.catalogue.workflow import ITEM_STATUS

# The 22 main classes of the Chinese Library Classification, 5th edition (中国图书馆分类法 第五版).
CLC_MAIN_CLASSES = {
    "A": "马克思主义、列宁主义、毛泽东思想、邓小平理论",
    "B": "哲学、宗教",
    "C": "社会科学总论",
    "D": "政治、法律",
    "E": "军事",
    "F": "经济",
    "G": "文化、科学、教育、体育",
    "H": "语言、文字",
    "I": "文学",
    "J": "艺术",
    "K": "历史、地理",
    "N": "自然科学总论",
    "O": "数理科学和化学",
    "P": "天文学、地球科学",
    "Q": "生物科学",
    "R": "医药、卫生",
    "S": "农业科学",
    "T": "工业技术",
    "U": "交通运输",
    "V": "航空、航天",
    "X": "环境科学、安全科学",
    "Z": "综合性图书",
}
# Items whose record has no CLC number, or one that starts with no main class.
UNCLASSIFIED = ""
# Withdrawal list numbers: 注销 (zhuxiao), the year and a running number, e.g. ZX2026-0003.
BATCH_PREFIX = "ZX"
ON_LOAN = frozenset({ItemStatus.CHECKED_OUT, ItemStatus.ON_ILL_LOAN})
ZERO = Decimal("0.00")


def clc_main_class(number: str | None) -> str:
    """The main class of a CLC number (its first letter), or ``UNCLASSIFIED``."""
    letter = (number or "").strip()[:1].upper()
    return letter if letter in CLC_MAIN_CLASSES else UNCLASSIFIED


def clc_class_name(letter: str) -> str:
    return CLC_MAIN_CLASSES.get(letter) or _("Unclassified")


def split_barcodes(text) -> list[str]:
    """Barcodes from a list or from text (one per line, or separated by spaces or commas), each once."""
    parts = text if isinstance(text, list | tuple) else str(text or "").replace(",", " ").replace("，", " ").split()
    seen: dict[str, None] = {}
    for part in parts:
        part = str(part).replace("\x00", "").strip()
        if part:
            seen.setdefault(part, None)
    return list(seen)


# --- Exports ---------------------------------------------------------------------------------

def csv_bytes(headers: list[str], rows) -> bytes:
    """CSV with a byte-order mark, so spreadsheet programs read the Chinese right."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(headers)
    for row in rows:
        writer.writerow(["" if v is None else v for v in row])
    return out.getvalue().encode("utf-8-sig")


def xlsx_bytes(title: str, headers: list[str], rows) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook()
    sheet = book.active
    sheet.title = title[:31]
    sheet.append(headers)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in rows:
        sheet.append([float(v) if isinstance(v, Decimal) else v for v in row])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


EXPORT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def export(kind: str, title: str, headers: list[str], rows) -> tuple[bytes, str]:
    """The table as ``kind`` ("csv" or "xlsx"): its bytes and content type."""
    if kind == "csv":
        return csv_bytes(headers, rows), EXPORT_TYPES["csv"]
    if kind == "xlsx":
        return xlsx_bytes(title, headers, rows), EXPORT_TYPES["xlsx"]
    raise UserError(_("Export as csv or xlsx."), code="bad_format")


# --- Withdrawal (weeding) ----------------------------------------------------------------------

def next_batch_number(today: dt.date) -> str:
    """The next withdrawal list number of the year (the caller holds the numbering lock)."""
    prefix = f"{BATCH_PREFIX}{today.year}-"
    numbers = Withdrawal.objects.filter(batch__startswith=prefix).values_list("batch", flat=True).distinct()
    last = max((int(b[len(prefix):]) for b in numbers if b[len(prefix):].isdigit()), default=0)
    return f"{prefix}{last + 1:04d}"


def _lock_numbering() -> None:
    # Two lists made at once would otherwise read the same last number; the lock ends with the transaction.
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(hashtext(current_schema() || '.withdrawal_batch'))")


@dataclass
class WithdrawalList:
    batch: str
    lines: list[Withdrawal] = field(default_factory=list)

    @property
    def total_price(self) -> Decimal:
        return sum((w.price or ZERO for w in self.lines), ZERO)


def withdraw(barcodes, reason: str, *, note: str = "", actor=None, today: dt.date | None = None) -> WithdrawalList:
    """Withdraw every item of ``barcodes`` under one new list number, or none of them.

    Refused (nothing withdrawn) when a barcode is unknown, an item is on loan, already withdrawn
    or in a state that cannot be withdrawn (in transit, awaiting pickup).
    """
    today = today or timezone.localdate()
    barcodes = split_barcodes(barcodes)
    if not barcodes:
        raise UserError(_("Give the barcodes of the items to withdraw."), code="no_barcodes")
    if reason not in Withdrawal.Reason.values:
        raise UserError(_("Choose a reason for the withdrawal."), code="bad_reason")
    with transaction.atomic():
        items = {i.barcode: i for i in Item.objects.select_related("holdings__instance")
                 .select_for_update(of=("self",)).filter(barcode__in=barcodes)}
        unknown = [b for b in barcodes if b not in items]
        if unknown:
            raise NotFound(_("No item has the barcode %(barcode)s.") % {"barcode": ", ".join(unknown)},
                           code="item_unknown")
        lent = set(Loan.objects.filter(item__in=items.values(), status=Loan.Status.OPEN)
                   .values_list("item__barcode", flat=True))
        on_loan = [b for b in barcodes if b in lent or items[b].status in ON_LOAN]
        if on_loan:
            raise Refused(_("On loan, check in first: %(barcodes)s.") % {"barcodes": ", ".join(on_loan)},
                          code="item_on_loan")
        gone = [b for b in barcodes if items[b].status == ItemStatus.WITHDRAWN]
        if gone:
            raise Refused(_("Already withdrawn: %(barcodes)s.") % {"barcodes": ", ".join(gone)},
                          code="already_withdrawn")
        for barcode in barcodes:
            refusal = ITEM_STATUS.check("withdraw", items[barcode].status, items[barcode])
            if refusal:
                raise Refused(f"{barcode}: {refusal}", code="item_unavailable")
        _lock_numbering()
        batch = WithdrawalList(next_batch_number(today))
        label = Withdrawal.Reason(reason).label
        for barcode in barcodes:
            item = items[barcode]
            try:
                apply_item_action(item, "withdraw", expected=item.status, actor=actor,
                                  note=f"{batch.batch} {label} {note}".strip())
            except Conflict as exc:
                raise Refused(f"{barcode}: {exc.message}", code="changed") from exc
            instance = item.holdings.instance
            batch.lines.append(Withdrawal.objects.create(
                item=item, batch=batch.batch, barcode=barcode, title=instance.title[:1000],
                call_number=item.holdings.call_number, clc_class=clc_main_class((instance.clc or [""])[0]),
                price=item.price, reason=reason, note=note[:300], withdrawn_on=today,
                withdrawn_by=actor_name(actor)))
    return batch


def withdrawal_ledger(*, year: int | None = None, batch: str = "", reason: str = ""):
    """The withdrawal ledger's lines (filtered) and its totals: lines, value, and per reason."""
    lines = Withdrawal.objects.all()
    if year:
        lines = lines.filter(withdrawn_on__year=year)
    if batch:
        lines = lines.filter(batch=batch)
    if reason:
        lines = lines.filter(reason=reason)
    totals = lines.aggregate(items=Count("id"), value=Sum("price"))
    per_reason = {r["reason"]: {"items": r["items"], "value": r["value"] or ZERO}
                  for r in lines.values("reason").annotate(items=Count("id"), value=Sum("price")).order_by()}
    return lines, {"items": totals["items"], "value": totals["value"] or ZERO, "per_reason": per_reason}


def withdrawal_headers() -> list[str]:
    return [_("Withdrawal list number"), _("Withdrawn on"), _("Barcode"), _("Title"), _("Call number"),
            _("CLC class"), _("Price"), _("Reason"), _("Note"), _("By")]


def withdrawal_rows(lines) -> list[list]:
    return [[w.batch, w.withdrawn_on.isoformat(), w.barcode, w.title, w.call_number, w.clc_class, w.price,
             w.get_reason_display(), w.note, w.withdrawn_by] for w in lines]


# --- Accession ledgers (总括帐 / 分类帐) -----------------------------------------------------------

def _added():
    """Items added per (year, main class): count and value, summed by the database."""
    rows = (Item.objects
            .annotate(year=Coalesce(ExtractYear("acquired_on"), ExtractYear("created_at")),
                      letter=Upper(Substr(KeyTextTransform("0", "holdings__instance__clc"), 1, 1)))
            .values("year", "letter").annotate(items=Count("id"), value=Sum("price")).order_by())
    return [(r["year"], r["letter"] if r["letter"] in CLC_MAIN_CLASSES else UNCLASSIFIED, r["items"],
             r["value"] or ZERO) for r in rows]


def _withdrawn():
    rows = (Withdrawal.objects.annotate(year=ExtractYear("withdrawn_on"), letter=F("clc_class"))
            .values("year", "letter").annotate(items=Count("id"), value=Sum("price")).order_by())
    return [(r["year"], r["letter"] if r["letter"] in CLC_MAIN_CLASSES else UNCLASSIFIED, r["items"],
             r["value"] or ZERO) for r in rows]


def _counts():
    """{(year, class): [added items, added value, withdrawn items, withdrawn value]} and the years."""
    cells: dict[tuple[int, str], list] = defaultdict(lambda: [0, ZERO, 0, ZERO])
    for year, letter, items, value in _added():
        cells[year, letter][0] += items
        cells[year, letter][1] += value
    for year, letter, items, value in _withdrawn():
        cells[year, letter][2] += items
        cells[year, letter][3] += value
    years = sorted({year for year, _letter in cells})
    return cells, years


def _year_range(years: list[int]) -> list[int]:
    if not years:
        return []
    return list(range(years[0], max(years[-1], timezone.localdate().year) + 1))


def summary_ledger() -> list[dict]:
    """总括帐: per year, items and value added and withdrawn, and the holdings at the year's end."""
    cells, years = _counts()
    rows, held_items, held_value = [], 0, ZERO
    for year in _year_range(years):
        added_items = sum(c[0] for (y, _l), c in cells.items() if y == year)
        added_value = sum((c[1] for (y, _l), c in cells.items() if y == year), ZERO)
        out_items = sum(c[2] for (y, _l), c in cells.items() if y == year)
        out_value = sum((c[3] for (y, _l), c in cells.items() if y == year), ZERO)
        held_items += added_items - out_items
        held_value += added_value - out_value
        rows.append({"year": year, "added_items": added_items, "added_value": added_value,
                     "withdrawn_items": out_items, "withdrawn_value": out_value,
                     "held_items": held_items, "held_value": held_value})
    return rows


def class_ledger(year: int | None = None) -> list[dict]:
    """分类帐: per year and CLC main class, items and value added, withdrawn and held at the year's end.

    Rows where nothing was added, withdrawn or held are left out; ``year`` keeps one year's rows.
    """
    cells, years = _counts()
    letters = [*CLC_MAIN_CLASSES, UNCLASSIFIED]
    held = {letter: [0, ZERO] for letter in letters}
    rows = []
    for each in _year_range(years):
        for letter in letters:
            cell = cells.get((each, letter), [0, ZERO, 0, ZERO])
            held[letter][0] += cell[0] - cell[2]
            held[letter][1] += cell[1] - cell[3]
            if year and each != year:
                continue
            if cell[0] or cell[2] or held[letter][0]:
                rows.append({"year": each, "clc_class": letter, "name": clc_class_name(letter),
                             "added_items": cell[0], "added_value": cell[1], "withdrawn_items": cell[2],
                             "withdrawn_value": cell[3], "held_items": held[letter][0],
                             "held_value": held[letter][1]})
    return rows


def summary_headers() -> list[str]:
    return [_("Year"), _("Items added"), _("Value added"), _("Items withdrawn"), _("Value withdrawn"),
            _("Items held at year end"), _("Value held at year end")]


def summary_rows(rows) -> list[list]:
    return [[r["year"], r["added_items"], r["added_value"], r["withdrawn_items"], r["withdrawn_value"],
             r["held_items"], r["held_value"]] for r in rows]


def class_headers() -> list[str]:
    return [_("Year"), _("CLC class"), _("Class name"), _("Items added"), _("Value added"), _("Items withdrawn"),
            _("Value withdrawn"), _("Items held at year end"), _("Value held at year end")]


def class_rows(rows) -> list[list]:
    return [[r["year"], r["clc_class"], r["name"], r["added_items"], r["added_value"], r["withdrawn_items"],
             r["withdrawn_value"], r["held_items"], r["held_value"]] for r in rows]
