"""Our own fixtures: a 2021 request as a Koha-style client sends it."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

from ill.iso18626 import parse, render, validate
from ill.iso18626.codes import PreferredEdition, ServiceType
from ill.iso18626.messages import AgencyId, Costs, PhysicalAddress

DATA = Path(__file__).parent / "data"


def test_a_koha_style_2021_request_is_valid_and_parses():
    data = (DATA / "koha_style_request_2021.xml").read_bytes()
    assert validate(data, "2021") == []
    parsed = parse(data)
    assert parsed.version == "2021"
    request = parsed.message
    assert request.header.supplying_agency_id == AgencyId(type="ISIL", value="FI-NL")
    assert request.header.consortial_id == AgencyId(type="ISIL", value="CN-310000-UC")
    assert request.header.timestamp == datetime(2025, 2, 1, 0, 0, 0, 123000, tzinfo=UTC)
    assert request.bibliographic_info.volumes == ("1", "2")
    assert request.bibliographic_info.isbn == "9789510000000"
    assert request.service_info.service_type == ServiceType.LOAN
    assert request.service_info.preferred_edition == PreferredEdition.ANY_EDITION
    assert request.service_info.loan_conditions == ("LibraryUseOnly",)
    delivery = request.requested_delivery_info[0]
    assert delivery.sort_order == 0 and delivery.courier_name == "SF Express"
    assert isinstance(delivery.address, PhysicalAddress) and delivery.address.region == "SH"
    assert request.billing_info.maximum_costs == Costs(amount=Decimal("20.00"), currency="CNY")
    assert parse(render(request, "2021")).message == request


def test_without_a_version_attribute_2021_is_told_by_its_elements():
    data = (DATA / "koha_style_request_2021.xml").read_bytes().replace(b'ill:version="2021"', b"")
    assert parse(data).version == "2021"
