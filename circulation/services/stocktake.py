"""Stocktaking: freeze what should be on the shelves, scan shelf by shelf, report what differs.

Run inside the library's schema. Starting a session freezes the list of items expected: every
held item (not withdrawn) of its location, or of the whole library when it names none. Items on
loan then (checked out, lent through ILL, or on an open loan) are listed apart: nobody looks for
them on the shelves.

Scans carry the label of the shelf they were made on. An item scanned more than once counts
once; its last scan says where it was found. The report sorts the scans into:

* missing: expected, not on loan, never scanned;
* unexpected: scanned but not expected: an unknown barcode, an item of another location, a
  withdrawn item, or one added after the session started;
* misplaced: an expected item found on a shelf whose other books are mostly of another CLC main
  class. A shelf's class is the main class (first letter of the call number) that more than
  half of the expected items scanned on it share; a shelf without such a majority, or scans
  without a shelf label, flag nothing;
* on loan: listed apart, with whether the item was found on a shelf after all.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from circulation.exceptions import NotFound, Refused, UserError
from circulation.models import DeskEvent, Loan, Stocktake, StocktakeExpected, StocktakeScan
from circulation.services.desk import actor_name, log_event
from circulation.services.ledgers import clc_main_class
from core.exceptions import Conflict
from tenants.catalogue.models import Item, ItemStatus, ItemStatusChange
from tenants.catalogue.services.items import apply_item_action
from tenants.catalogue.workflow import ITEM_STATUS, held_q

ON_LOAN = frozenset({ItemStatus.CHECKED_OUT, ItemStatus.ON_ILL_LOAN})

# Outcomes of a scan: the scanner page's colour and the API's ``code``.
OK, AGAIN, ON_LOAN_FOUND, UNEXPECTED, UNKNOWN = "ok", "again", "on_loan", "unexpected", "unknown"


def clean(text) -> str:
    """Typed or scanned text, trimmed; NUL characters (which PostgreSQL refuses) dropped."""
    return str(text or "").replace("\x00", "").strip()


def start(name: str, *, location: str = "", actor=None) -> Stocktake:
    """Open a session and freeze the items it expects."""
    name, location = clean(name), clean(location)
    if not name:
        raise UserError(_("Give the stocktake a name."), code="name_required")
    with transaction.atomic():
        stocktake = Stocktake.objects.create(name=name[:100], location=location[:100], started_by=actor_name(actor))
        items = Item.objects.filter(held_q())
        if location:
            items = items.filter(holdings__location=location)
        lent = set(Loan.objects.filter(status=Loan.Status.OPEN).values_list("item_id", flat=True))
        StocktakeExpected.objects.bulk_create(
            StocktakeExpected(stocktake=stocktake, item_id=pk, location=loc, call_number=call_number,
                              on_loan=status in ON_LOAN or pk in lent)
            for pk, status, loc, call_number in items.values_list("pk", "status", "holdings__location",
                                                                 "holdings__call_number").iterator())
    return stocktake


def get_open(pk) -> Stocktake:
    stocktake = Stocktake.objects.filter(pk=pk).first()
    if stocktake is None:
        raise NotFound(_("No such stocktake."), code="stocktake_unknown")
    if stocktake.status != Stocktake.Status.OPEN:
        raise Refused(_("This stocktake is closed."), code="stocktake_closed")
    return stocktake


@dataclass
class ScanOutcome:
    code: str
    message: str
    barcode: str
    shelf: str
    scan: StocktakeScan | None = None
    item: Item | None = None

    @property
    def counted(self) -> bool:
        return self.code in (OK, ON_LOAN_FOUND)


def scan(stocktake: Stocktake, barcode: str, *, shelf: str = "", actor=None, role: str = "") -> ScanOutcome:
    """Record one barcode scanned on ``shelf`` and say what it was (logged with who scanned it)."""
    barcode, shelf = clean(barcode)[:60], clean(shelf)[:100]
    if not barcode:
        raise UserError(_("Scan or type a barcode."), code="barcode_required")
    if stocktake.status != Stocktake.Status.OPEN:
        raise Refused(_("This stocktake is closed."), code="stocktake_closed")
    with transaction.atomic():
        item = Item.objects.select_related("holdings__instance").filter(barcode=barcode).first()
        seen_before = StocktakeScan.objects.filter(stocktake=stocktake, barcode=barcode).exists()
        record = StocktakeScan.objects.create(stocktake=stocktake, barcode=barcode, item=item, shelf=shelf,
                                              scanned_by=actor_name(actor))
        expected = (StocktakeExpected.objects.filter(stocktake=stocktake, item=item).first()
                    if item is not None else None)
        if item is None:
            code, message = UNKNOWN, _("No item has the barcode %(barcode)s.") % {"barcode": barcode}
        else:
            what = f"“{item.holdings.instance.title}” {item.holdings.call_number}".strip()
            if expected is None:
                code = UNEXPECTED
                if item.status == ItemStatus.WITHDRAWN:
                    message = _("%(item)s is withdrawn: take it off the shelf.") % {"item": what}
                else:
                    message = _("%(item)s is not expected here (location “%(location)s”).") % {
                        "item": what, "location": item.holdings.location or "—"}
            elif seen_before:
                code, message = AGAIN, _("%(item)s was already scanned; counted once.") % {"item": what}
            elif expected.on_loan:
                code, message = ON_LOAN_FOUND, _("%(item)s is on loan, yet on the shelf: set it apart.") % {
                    "item": what}
            else:
                code, message = OK, what
        log_event(DeskEvent.Action.STOCKTAKE, ok=code in (OK, AGAIN, ON_LOAN_FOUND), actor=actor, role=role,
                  code=code, message=message, barcode=barcode)
    return ScanOutcome(code, message, barcode, shelf, record, item)


@dataclass
class Report:
    stocktake: Stocktake
    missing: list[dict] = field(default_factory=list)
    unexpected: list[dict] = field(default_factory=list)
    misplaced: list[dict] = field(default_factory=list)
    on_loan: list[dict] = field(default_factory=list)
    counts: dict = field(default_factory=dict)


def _line(item: Item | None, **extra) -> dict:
    if item is None:
        return {"item_id": None, "barcode": "", "title": "", "call_number": "", "location": "", "status": "",
                **extra}
    return {"item_id": item.pk, "barcode": item.barcode or "", "title": item.holdings.instance.title,
            "call_number": item.holdings.call_number, "location": item.holdings.location, "status": item.status,
            **extra}


def report(stocktake: Stocktake) -> Report:
    """What the scans found against what the session expected (see the module's definitions)."""
    expected = {e.item_id: e for e in StocktakeExpected.objects.filter(stocktake=stocktake)}
    last_scan: dict[str, StocktakeScan] = {}
    for each in StocktakeScan.objects.filter(stocktake=stocktake).order_by("scanned_at", "id"):
        last_scan[each.barcode] = each
    found = {s.item_id: s for s in last_scan.values() if s.item_id is not None}
    wanted = set(expected) | set(found)
    items = {i.pk: i for i in Item.objects.select_related("holdings__instance").filter(pk__in=wanted)}
    out = Report(stocktake)

    for item_id, line in expected.items():
        item = items.get(item_id)
        if line.on_loan:
            scanned = found.get(item_id)
            out.on_loan.append(_line(item, found=scanned is not None, shelf=scanned.shelf if scanned else ""))
        elif item_id not in found:
            out.missing.append(_line(item))

    for barcode, each in last_scan.items():
        if each.item_id is None:
            out.unexpected.append({**_line(None), "barcode": barcode, "shelf": each.shelf, "reason": "unknown"})
        elif each.item_id not in expected:
            item = items[each.item_id]
            if item.status == ItemStatus.WITHDRAWN:
                reason = "withdrawn"
            elif stocktake.location and item.holdings.location != stocktake.location:
                reason = "other_location"
            else:
                reason = "added_since"
            out.unexpected.append(_line(item, shelf=each.shelf, reason=reason))

    shelves: dict[str, list[int]] = {}
    for item_id, each in found.items():
        if item_id in expected and each.shelf:
            shelves.setdefault(each.shelf, []).append(item_id)
    for shelf, ids in sorted(shelves.items()):
        classes = Counter(clc_main_class(expected[i].call_number) for i in ids if clc_main_class(expected[i].call_number))
        if not classes:
            continue
        shelf_class, most = classes.most_common(1)[0]
        if most * 2 <= sum(classes.values()):
            continue
        for item_id in ids:
            own = clc_main_class(expected[item_id].call_number)
            if own and own != shelf_class:
                out.misplaced.append(_line(items[item_id], shelf=shelf, item_class=own, shelf_class=shelf_class))

    for rows in (out.missing, out.unexpected, out.misplaced, out.on_loan):
        rows.sort(key=lambda r: (r.get("shelf", ""), r["call_number"], r["barcode"]))
    on_shelf = sum(1 for e in expected.values() if not e.on_loan)
    out.counts = {
        "expected": on_shelf, "on_loan": len(expected) - on_shelf,
        "found": sum(1 for i in found if i in expected and not expected[i].on_loan),
        "missing": len(out.missing), "unexpected": len(out.unexpected), "misplaced": len(out.misplaced),
        "unknown": sum(1 for r in out.unexpected if r["reason"] == "unknown"),
        "on_loan_found": sum(1 for r in out.on_loan if r["found"]),
        "scans": StocktakeScan.objects.filter(stocktake=stocktake).count(),
        "shelves": len({s.shelf for s in last_scan.values() if s.shelf}),
    }
    return out


@dataclass
class MarkMissingResult:
    marked: list[str] = field(default_factory=list)
    skipped: list[dict] = field(default_factory=list)


def mark_missing(stocktake: Stocktake, *, actor=None) -> MarkMissingResult:
    """Mark every missing item of the report missing, in one step.

    An item whose status changed since the session started (lent and returned, sent for repair,
    already marked) is skipped and reported: the list it was missing from is no longer true.
    """
    result = MarkMissingResult()
    note = _("Not found in stocktake “%(name)s” (no. %(pk)s)") % {"name": stocktake.name, "pk": stocktake.pk}
    missing = report(stocktake).missing
    changed = set(ItemStatusChange.objects.filter(subject_id__in=[m["item_id"] for m in missing],
                                                  at__gte=stocktake.started_at).values_list("subject_id", flat=True))
    for line in missing:
        item = Item.objects.select_related("holdings").get(pk=line["item_id"])
        if item.pk in changed:
            result.skipped.append({"barcode": item.barcode or "", "status": item.status, "reason": "changed"})
            continue
        if ITEM_STATUS.check("mark_missing", item.status, item) is not None:
            reason = "already_missing" if item.status == ItemStatus.MISSING else "not_allowed"
            result.skipped.append({"barcode": item.barcode or "", "status": item.status, "reason": reason})
            continue
        try:
            apply_item_action(item, "mark_missing", expected=item.status, actor=actor, note=note)
        except Conflict:
            result.skipped.append({"barcode": item.barcode or "", "status": item.status, "reason": "changed"})
            continue
        result.marked.append(item.barcode or "")
    return result


def close(stocktake: Stocktake, *, actor=None) -> Stocktake:
    updated = Stocktake.objects.filter(pk=stocktake.pk, status=Stocktake.Status.OPEN).update(
        status=Stocktake.Status.CLOSED, closed_at=timezone.now())
    if not updated:
        raise Refused(_("This stocktake is closed."), code="stocktake_closed")
    stocktake.refresh_from_db()
    return stocktake


SECTIONS = ("missing", "unexpected", "misplaced", "on_loan")


def report_headers() -> list[str]:
    return [_("Section"), _("Barcode"), _("Title"), _("Call number"), _("Location"), _("Status"), _("Shelf"),
            _("Detail")]


def report_rows(data: Report) -> list[list]:
    labels = {"missing": _("Missing"), "unexpected": _("Unexpected"), "misplaced": _("Misplaced"),
              "on_loan": _("On loan")}
    rows = []
    for section in SECTIONS:
        for line in getattr(data, section):
            if section == "unexpected":
                detail = line["reason"]
            elif section == "misplaced":
                detail = f"{line['item_class']} / {line['shelf_class']}"
            elif section == "on_loan":
                detail = "found" if line["found"] else ""
            else:
                detail = ""
            status = ITEM_STATUS.label(line["status"]) if line["status"] else ""
            rows.append([labels[section], line["barcode"], line["title"], line["call_number"], line["location"],
                         status, line.get("shelf", ""), detail])
    return rows
