"""The fee of each completed supply: the schedule of its day, the cap, subsidies and their yearly cap."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from ill.models import FeeLine, FeeSchedule, IllRequest, SubsidyRule
from ill.services import fees
from tests.ill.fees.conftest import complete

pytestmark = pytest.mark.django_db

D = Decimal


def test_a_returned_loan_costs_the_loan_fee_and_the_borrower_hears_the_cost(ill_world, record):
    supply = complete(ill_world["alpha"], ill_world["beta"], record)
    line = FeeLine.objects.get(supply=supply)
    assert (line.borrower, line.lender, line.service_type) == (ill_world["alpha"], ill_world["beta"], "Loan")
    assert line.amount == line.list_amount == D("5.00") and line.pages == 0 and line.subsidy == 0
    supply.refresh_from_db()
    request = IllRequest.objects.get(pk=supply.request_id)
    # The cost was on the supply before the borrower was told: the request has it from the message.
    assert supply.cost == request.cost == D("5.00")
    assert request.status == "completed" and line.request == request


def test_a_copy_costs_thirty_fen_a_page(ill_world, record):
    supply = complete(ill_world["alpha"], ill_world["gamma"], record, service="Copy", pages=37)
    line = FeeLine.objects.get(supply=supply)
    assert (line.service_type, line.pages, line.amount) == ("Copy", 37, D("11.10"))
    assert IllRequest.objects.get(pk=supply.request_id).cost == D("11.10")


def test_copy_or_loan_is_priced_by_what_was_supplied(ill_world, record):
    as_copy = complete(ill_world["alpha"], ill_world["beta"], record, service="CopyOrLoan", pages=10)
    as_loan = complete(ill_world["alpha"], ill_world["beta"], record, service="CopyOrLoan")
    assert (as_copy.fee.service_type, as_copy.fee.amount) == ("Copy", D("3.00"))
    assert (as_loan.fee.service_type, as_loan.fee.amount) == ("Loan", D("5.00"))


def test_the_fee_never_exceeds_the_maximum_cost_and_the_cap_is_kept(ill_world, record):
    supply = complete(ill_world["alpha"], ill_world["beta"], record, service="Copy", pages=100, max_cost=D("20"))
    line = FeeLine.objects.get(supply=supply)
    assert (line.list_amount, line.max_cost, line.amount) == (D("30.00"), D("20.00"), D("20.00"))
    assert IllRequest.objects.get(pk=supply.request_id).cost == D("20.00")
    under = complete(ill_world["alpha"], ill_world["beta"], record, service="Copy", pages=10, max_cost=D("20"))
    assert (under.fee.amount, under.fee.max_cost) == (D("3.00"), D("20.00"))


def test_recording_twice_changes_nothing(ill_world, record):
    supply = complete(ill_world["alpha"], ill_world["beta"], record)
    assert fees.record_fee(supply) is None
    assert FeeLine.objects.filter(supply=supply).count() == 1


def test_the_schedule_valid_on_the_completion_day_applies(ill_world, record):
    fees.set_schedule(service_type="Loan", valid_from=dt.date(2026, 7, 1), per_request="8", per_page="0")
    fees.set_schedule(service_type="Copy", valid_from=dt.date(2026, 7, 1), per_request="1", per_page="0.5")
    before = complete(ill_world["alpha"], ill_world["beta"], record, on=dt.date(2026, 6, 30))
    after = complete(ill_world["alpha"], ill_world["beta"], record, on=dt.date(2026, 7, 1))
    copy_before = complete(ill_world["alpha"], ill_world["beta"], record, service="Copy", pages=4,
                           on=dt.date(2026, 6, 30))
    copy_after = complete(ill_world["alpha"], ill_world["beta"], record, service="Copy", pages=4,
                          on=dt.date(2026, 7, 2))
    assert [s.fee.amount for s in (before, after, copy_before, copy_after)] == [
        D("5.00"), D("8.00"), D("1.20"), D("3.00")]
    assert after.fee.occurred_on == dt.date(2026, 7, 1)
    # The default was installed once, beside the new rows.
    assert FeeSchedule.objects.filter(valid_from=fees.DEFAULT_SINCE).count() == 2


def test_a_subsidy_pays_its_share_until_the_yearly_cap_then_the_library_pays(ill_world, record, province):
    SubsidyRule.objects.create(name="全省", region=province, percent=50, yearly_cap=D("6.00"), year=2026)
    lines = [complete(ill_world["alpha"], ill_world["beta"], record, on=dt.date(2026, m, 10)).fee
             for m in (3, 4, 5, 6)]
    # 50% of 5.00 is 2.50: twice in full, then the 1.00 left under the cap, then nothing.
    assert [line.subsidy for line in lines] == [D("2.50"), D("2.50"), D("1.00"), D("0.00")]
    assert [line.subsidy_rule_id is not None for line in lines] == [True, True, True, False]
    assert fees.subsidies_received(ill_world["alpha"], 2026) == D("6.00")
    # A new year starts from nothing; the rule of 2026 does not cover 2027.
    next_year = complete(ill_world["alpha"], ill_world["beta"], record, on=dt.date(2027, 1, 5)).fee
    assert next_year.subsidy == 0
    SubsidyRule.objects.create(name="2027", region=province, percent=50, yearly_cap=D("6.00"), year=2027)
    assert complete(ill_world["alpha"], ill_world["beta"], record, on=dt.date(2027, 1, 6)).fee.subsidy == D("2.50")


def test_a_rule_for_a_region_covers_its_sub_regions_and_the_most_specific_applies(
        ill_world, record, province, district_a):
    alpha, beta, gamma = ill_world["alpha"], ill_world["beta"], ill_world["gamma"]  # east, west, east
    SubsidyRule.objects.create(name="全省", region=province, percent=20, yearly_cap=D("100"), year=2026)
    SubsidyRule.objects.create(name="东区", region=district_a, percent=60, yearly_cap=D("100"), year=2026)
    SubsidyRule.objects.create(name="东区高中", region=district_a, library_kind="high", percent=100,
                               yearly_cap=D("100"), year=2026)
    SubsidyRule.objects.create(name="所有小学", library_kind="primary", percent=40, yearly_cap=D("100"), year=2026)
    on = dt.date(2026, 5, 1)
    # alpha (east, middle): the district's rule; gamma (east, high): the district's rule for high
    # schools; beta (west, primary): the province's rule is nearer than a rule for every region.
    assert complete(alpha, beta, record, on=on).fee.subsidy == D("3.00")
    assert complete(gamma, beta, record, on=on).fee.subsidy == D("5.00")
    assert complete(beta, alpha, record, on=on).fee.subsidy == D("1.00")
    assert fees.rule_for(beta, 2026).name == "全省"


def test_no_rule_no_subsidy(ill_world, record):
    assert complete(ill_world["alpha"], ill_world["beta"], record).fee.subsidy == 0


def test_a_lost_item_carries_the_compensation_beside_the_fee(ill_world, record, province):
    SubsidyRule.objects.create(name="全省", region=province, percent=100, yearly_cap=D("1000"), year=2026)
    supply = complete(ill_world["alpha"], ill_world["beta"], record, lost_for=D("68.50"), on=dt.date(2026, 9, 1))
    line = FeeLine.objects.get(supply=supply)
    assert (line.amount, line.compensation, line.subsidy) == (D("5.00"), D("68.50"), D("5.00"))
    supply.refresh_from_db()
    request = IllRequest.objects.get(pk=supply.request_id)
    assert supply.status == "completed_without_return" and request.status == "completed_without_return"
    assert supply.cost == request.cost == D("73.50")


def test_fees_cannot_be_negative_nor_set_for_copy_or_loan(db):
    from core.exceptions import UserError

    with pytest.raises(UserError) as refused:
        fees.set_schedule(service_type="CopyOrLoan", valid_from=dt.date(2026, 1, 1), per_request=1, per_page=0)
    assert refused.value.code == "bad_service_type"
    with pytest.raises(UserError) as refused:
        fees.set_schedule(service_type="Loan", valid_from=dt.date(2026, 1, 1), per_request=-1, per_page=0)
    assert refused.value.code == "negative_fee"


def test_a_peer_borrowers_fee_is_recorded_without_subsidy_and_shown_as_the_peer(ill_world, province):
    from ill.models import Peer, Supply
    from ill.services.transitions import advance_supply, next_supply_number

    SubsidyRule.objects.create(name="全省", region=province, percent=100, yearly_cap=D("100"), year=2026)
    peer = Peer.objects.create(name="Other consortium", agency_id="ZZ-OTHER", endpoint="https://ill.example.org/")
    supply = Supply.objects.create(number=next_supply_number(), lender=ill_world["beta"], requester_peer=peer,
                                   requester_request_id="P-1", service_type="Copy", bib={"title": "红楼梦"})
    advance_supply(supply, "send_copy", values={"pages_supplied": 5})
    line = FeeLine.objects.get(supply=supply)
    assert (line.borrower, line.borrower_peer, line.amount, line.subsidy) == (None, peer, D("1.50"), 0)
    supply.refresh_from_db()
    assert supply.cost == D("1.50")
    [pair] = fees.statement(year=line.occurred_on.year, month=line.occurred_on.month)
    assert (pair["borrower"], pair["lender"], pair["owed"]) == ("peer:ZZ-OTHER", "beta", D("1.50"))
