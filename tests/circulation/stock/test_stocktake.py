"""Stocktaking: the frozen list, scans shelf by shelf, the report counted exactly, marking missing."""

from __future__ import annotations

import pytest

from circulation.exceptions import Refused, UserError
from circulation.models import DeskEvent, StocktakeExpected, StocktakeScan
from circulation.services import stocktake as st
from circulation.services.desk import actor_name
from tenants.catalogue.models import Item, ItemStatus, ItemStatusChange
from tenants.catalogue.services.items import set_item_status


@pytest.fixture
def session(shelves, desk_staff):
    return st.start("2026 秋 期末盘点", location="main", actor=desk_staff)


def barcodes(rows):
    return sorted(r["barcode"] for r in rows)


def test_it_freezes_the_held_items_of_the_location_with_loans_apart(shelves, session):
    expected = {e.item_id: e for e in StocktakeExpected.objects.filter(stocktake=session)}
    wanted = {i.pk for i in shelves["novels"] + shelves["histories"]}
    assert set(expected) == wanted  # not the reading room's, not the withdrawn one
    assert [pk for pk, e in expected.items() if e.on_loan] == [shelves["novels"][3].pk]
    assert expected[shelves["histories"][0].pk].call_number == "K204.2/S1"


def test_the_whole_library_is_expected_without_a_location(shelves):
    session = st.start("全馆")
    expected = set(StocktakeExpected.objects.filter(stocktake=session).values_list("item_id", flat=True))
    assert shelves["elsewhere"].pk in expected and shelves["weeded"].pk not in expected
    assert len(expected) == 8


def test_the_report_counts_missing_unexpected_misplaced_and_on_loan(shelves, session, helper):
    i1, i2, i3, i4 = (i.barcode for i in shelves["novels"])
    k1, k2, k3 = (i.barcode for i in shelves["histories"])
    outcomes = [st.scan(session, b, shelf="I-1", actor=helper).code for b in (i1, i2, k1, i1)]
    assert outcomes == ["ok", "ok", "ok", "again"]
    assert st.scan(session, shelves["elsewhere"].barcode, shelf="I-1").code == "unexpected"
    assert st.scan(session, shelves["weeded"].barcode, shelf="I-1").code == "unexpected"
    assert st.scan(session, k2, shelf="K-1").code == "ok"
    assert st.scan(session, "NO-SUCH", shelf="K-1").code == "unknown"

    report = st.report(session)
    assert barcodes(report.missing) == sorted([i3, k3])
    assert {r["barcode"]: r["reason"] for r in report.unexpected} == {
        "NO-SUCH": "unknown", shelves["elsewhere"].barcode: "other_location", shelves["weeded"].barcode: "withdrawn"}
    assert [(r["barcode"], r["shelf"], r["item_class"], r["shelf_class"]) for r in report.misplaced] == [
        (k1, "I-1", "K", "I")]
    assert [(r["barcode"], r["found"]) for r in report.on_loan] == [(i4, False)]
    assert report.counts == {"expected": 6, "on_loan": 1, "found": 4, "missing": 2, "unexpected": 3,
                             "misplaced": 1, "unknown": 1, "on_loan_found": 0, "scans": 8, "shelves": 2}
    # Every scan is logged with who made it (the helper by name).
    logged = DeskEvent.objects.filter(action="stocktake", actor_id=helper.pk)
    assert logged.count() == 4 and {e.actor_name for e in logged} == {actor_name(helper)}
    assert "王" in actor_name(helper)


def test_an_item_scanned_on_two_shelves_counts_once_where_last_seen(shelves, session):
    k1 = shelves["histories"][0].barcode
    st.scan(session, k1, shelf="I-1")
    st.scan(session, k1, shelf="K-1")
    report = st.report(session)
    assert report.counts["found"] == 1 and report.misplaced == []
    assert StocktakeScan.objects.filter(stocktake=session, barcode=k1).count() == 2


def test_a_shelf_without_a_majority_flags_nothing(shelves, session):
    st.scan(session, shelves["novels"][0].barcode, shelf="X")
    st.scan(session, shelves["histories"][0].barcode, shelf="X")
    assert st.report(session).misplaced == []


def test_an_item_on_loan_found_on_the_shelf_is_listed_apart_as_found(shelves, session):
    outcome = st.scan(session, shelves["novels"][3].barcode, shelf="I-1")
    assert outcome.code == "on_loan"
    report = st.report(session)
    assert report.on_loan[0]["found"] is True and report.counts["on_loan_found"] == 1
    assert report.counts["found"] == 0 and report.unexpected == []


def test_mark_missing_marks_the_missing_in_one_step_and_skips_changed_items(shelves, session, desk_staff):
    i1, i2, i3, _i4 = shelves["novels"]
    k1, k2, k3 = shelves["histories"]
    for item in (i1, i2, k1):
        st.scan(session, item.barcode, shelf="S")
    # k2 went to the bindery after the session started: its line in the report is no longer true.
    set_item_status(Item.objects.get(pk=k2.pk), ItemStatus.IN_PROCESS)
    result = st.mark_missing(session, actor=desk_staff)
    assert sorted(result.marked) == sorted([i3.barcode, k3.barcode])
    assert result.skipped == [{"barcode": k2.barcode, "status": "in_process", "reason": "changed"}]
    assert Item.objects.get(pk=i3.pk).status == ItemStatus.MISSING
    assert Item.objects.get(pk=k2.pk).status == ItemStatus.IN_PROCESS
    change = ItemStatusChange.objects.get(subject_id=i3.pk, action="mark_missing")
    assert str(session.pk) in change.note and change.actor_name == "desk_a"
    # A second run finds them already missing and changes nothing.
    again = st.mark_missing(session)
    assert again.marked == [] and {s["reason"] for s in again.skipped} == {"changed"}


def test_a_closed_session_takes_no_scans(shelves, session):
    st.close(session)
    with pytest.raises(Refused) as excinfo:
        st.scan(session, shelves["novels"][0].barcode)
    assert excinfo.value.code == "stocktake_closed"
    with pytest.raises(Refused):
        st.close(session)


def test_a_session_needs_a_name_and_a_scan_a_barcode(shelves, session):
    with pytest.raises(UserError) as excinfo:
        st.start("  ")
    assert excinfo.value.code == "name_required"
    with pytest.raises(UserError) as excinfo:
        st.scan(session, " ")
    assert excinfo.value.code == "barcode_required"


def test_the_report_exports_a_row_per_line(shelves, session):
    st.scan(session, "NO-SUCH", shelf="K-1")
    rows = st.report_rows(st.report(session))
    assert len(rows) == 6 + 1 + 1  # six missing, one unknown, the loan apart
    assert {r[1] for r in rows} >= {"NO-SUCH", shelves["novels"][3].barcode}
