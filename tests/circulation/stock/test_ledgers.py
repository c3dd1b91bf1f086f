"""Weeding into the withdrawal ledger, and the accession ledgers against hand-computed totals."""

from __future__ import annotations

import csv
import datetime as dt
import io
from decimal import Decimal

import pytest
from django.utils import timezone

from circulation.exceptions import NotFound, Refused, UserError
from circulation.models import Withdrawal
from circulation.services import desk, ledgers
from tenants.catalogue.models import Item, ItemStatus, ItemStatusChange

D = Decimal
WEEDING_DAY = dt.date(2025, 6, 3)


@pytest.fixture
def collection(in_library, make_items):
    """2024: two novels at 20.00 and one history at 50.00; 2025: three novels at 10.50; this
    year (no acquisition date, so the day it was catalogued): one history without a price."""
    return {
        "novels_2024": make_items(2, call_number="I242.4/W8", price="20.00", acquired_on=dt.date(2024, 3, 1)),
        "history_2024": make_items(1, title="史记", call_number="K204/S1", price="50.00",
                                   acquired_on=dt.date(2024, 9, 1)),
        "novels_2025": make_items(3, title="围城", call_number="I246.5/Q1", price="10.50",
                                  acquired_on=dt.date(2025, 2, 1)),
        "history_now": make_items(1, title="资治通鉴", call_number="K204.3/S2"),
    }


def test_it_withdraws_a_list_under_one_number_into_the_ledger(collection, desk_staff):
    first, second = collection["novels_2024"]
    result = ledgers.withdraw(f"{first.barcode}\n{second.barcode}, {first.barcode}", "worn", note="破损",
                              actor=desk_staff, today=WEEDING_DAY)
    assert result.batch == "ZX2025-0001" and result.total_price == D("40.00")
    lines = Withdrawal.objects.order_by("barcode")
    assert [(w.barcode, w.batch, w.title, w.call_number, w.clc_class, w.price, w.reason, w.withdrawn_by)
            for w in lines] == [
        (first.barcode, "ZX2025-0001", "西游记", "I242.4/W8", "I", D("20.00"), "worn", "desk_a"),
        (second.barcode, "ZX2025-0001", "西游记", "I242.4/W8", "I", D("20.00"), "worn", "desk_a")]
    assert set(Item.objects.filter(pk__in=[first.pk, second.pk]).values_list("status", flat=True)) == {"withdrawn"}
    assert ItemStatusChange.objects.filter(action="withdraw", subject_id=first.pk, note__contains="ZX2025-0001").exists()
    # The next list of the year gets the next number; a new year starts again at 1.
    assert ledgers.withdraw([collection["history_2024"][0].barcode], "outdated", today=WEEDING_DAY).batch == \
        "ZX2025-0002"
    assert ledgers.withdraw([collection["novels_2025"][0].barcode], "lost", today=dt.date(2026, 1, 5)).batch == \
        "ZX2026-0001"


def test_it_refuses_a_list_with_an_item_on_loan_and_withdraws_none(collection, make_reader, term_day):
    lent, kept = collection["novels_2025"][:2]
    make_reader(card="S9")
    desk.check_out("S9", lent.barcode, today=term_day)
    with pytest.raises(Refused) as excinfo:
        ledgers.withdraw([kept.barcode, lent.barcode], "worn")
    assert excinfo.value.code == "item_on_loan" and lent.barcode in excinfo.value.message
    assert Item.objects.get(pk=kept.pk).status == ItemStatus.AVAILABLE
    assert not Withdrawal.objects.exists()


def test_it_refuses_unknown_barcodes_withdrawn_items_and_bad_reasons(collection):
    item = collection["novels_2025"][0]
    with pytest.raises(NotFound) as excinfo:
        ledgers.withdraw([item.barcode, "NOPE"], "worn")
    assert excinfo.value.code == "item_unknown"
    with pytest.raises(UserError) as excinfo:
        ledgers.withdraw([item.barcode], "boredom")
    assert excinfo.value.code == "bad_reason"
    with pytest.raises(UserError) as excinfo:
        ledgers.withdraw("  ", "worn")
    assert excinfo.value.code == "no_barcodes"
    ledgers.withdraw([item.barcode], "worn")
    with pytest.raises(Refused) as excinfo:
        ledgers.withdraw([item.barcode], "worn")
    assert excinfo.value.code == "already_withdrawn"


def test_the_withdrawal_ledger_totals_and_exports(collection):
    ledgers.withdraw([i.barcode for i in collection["novels_2024"]], "worn", today=WEEDING_DAY)
    ledgers.withdraw([collection["history_now"][0].barcode], "lost", today=dt.date(2026, 3, 1))
    lines, totals = ledgers.withdrawal_ledger()
    assert totals["items"] == 3 and totals["value"] == D("40.00")
    assert totals["per_reason"] == {"worn": {"items": 2, "value": D("40.00")}, "lost": {"items": 1, "value": D("0")}}
    lines, totals = ledgers.withdrawal_ledger(year=2026)
    assert [w.barcode for w in lines] == [collection["history_now"][0].barcode] and totals["value"] == D("0")

    lines, _totals = ledgers.withdrawal_ledger()
    body, mime = ledgers.export("csv", "x", ledgers.withdrawal_headers(), ledgers.withdrawal_rows(lines))
    rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
    assert mime.startswith("text/csv") and len(rows) == 4 and rows[1][0] == "ZX2026-0001"

    from openpyxl import load_workbook

    body, _mime = ledgers.export("xlsx", "注销帐", ledgers.withdrawal_headers(), ledgers.withdrawal_rows(lines))
    sheet = load_workbook(io.BytesIO(body)).active
    assert sheet.max_row == 4 and sorted(sheet.cell(r, 7).value or 0 for r in range(2, 5)) == [0, 20, 20]


def test_the_summary_ledger_matches_hand_computed_totals(collection):
    ledgers.withdraw([collection["novels_2024"][0].barcode], "worn", today=WEEDING_DAY)
    this_year = timezone.localdate().year
    rows = {r["year"]: r for r in ledgers.summary_ledger()}
    assert sorted(rows) == list(range(2024, this_year + 1))
    assert rows[2024] == {"year": 2024, "added_items": 3, "added_value": D("90.00"), "withdrawn_items": 0,
                          "withdrawn_value": D("0"), "held_items": 3, "held_value": D("90.00")}
    assert rows[2025] == {"year": 2025, "added_items": 3, "added_value": D("31.50"), "withdrawn_items": 1,
                          "withdrawn_value": D("20.00"), "held_items": 5, "held_value": D("101.50")}
    assert rows[this_year]["added_items"] == 1 and rows[this_year]["added_value"] == D("0")
    assert rows[this_year]["held_items"] == 6 and rows[this_year]["held_value"] == D("101.50")


def test_the_class_ledger_matches_hand_computed_totals(collection):
    ledgers.withdraw([collection["novels_2024"][0].barcode], "worn", today=WEEDING_DAY)
    this_year = timezone.localdate().year
    rows = {(r["year"], r["clc_class"]): r for r in ledgers.class_ledger()}
    assert rows[2024, "I"]["added_items"] == 2 and rows[2024, "I"]["added_value"] == D("40.00")
    assert rows[2024, "K"]["added_items"] == 1 and rows[2024, "K"]["held_value"] == D("50.00")
    assert rows[2024, "K"]["name"] == "历史、地理"
    assert (rows[2025, "I"]["added_items"], rows[2025, "I"]["withdrawn_items"], rows[2025, "I"]["held_items"],
            rows[2025, "I"]["held_value"]) == (3, 1, 4, D("51.50"))
    assert rows[2025, "K"]["added_items"] == 0 and rows[2025, "K"]["held_items"] == 1  # carried over
    assert rows[this_year, "K"]["added_items"] == 1 and rows[this_year, "K"]["held_items"] == 2
    assert {c for _y, c in rows} == {"I", "K"}
    only = ledgers.class_ledger(year=2025)
    assert {r["year"] for r in only} == {2025} and len(only) == 2


def test_clc_main_classes_are_the_twenty_two_of_the_fifth_edition():
    assert "".join(ledgers.CLC_MAIN_CLASSES) == "ABCDEFGHIJKNOPQRSTUVXZ"
    assert ledgers.clc_main_class("tp312") == "T" and ledgers.clc_main_class("L1") == ""
    assert ledgers.clc_main_class("") == ledgers.UNCLASSIFIED
