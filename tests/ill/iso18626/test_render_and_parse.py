"""Every message type, rendered in both versions, is schema-valid and reads back unchanged."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from lxml import etree

from ill.iso18626 import parse, render, validate
from ill.iso18626.codes import NAMESPACE, VERSION_ATTRIBUTE, RequesterAction, SupplierStatus
from ill.iso18626.messages import BibliographicInfo, Costs, Request
from tests.ill.iso18626 import samples

CASES = [(name, version) for name in samples.ALL for version in ("2017", "2021")]


@pytest.mark.parametrize(("name", "version"), CASES)
def test_each_message_validates_against_its_schema(name, version):
    data = render(samples.ALL[name](version), version)
    assert validate(data, version) == []


@pytest.mark.parametrize(("name", "version"), CASES)
def test_each_message_reads_back_unchanged(name, version):
    message = samples.ALL[name](version)
    parsed = parse(render(message, version))
    assert parsed.version == version
    assert parsed.message == message


@pytest.mark.parametrize("version", ["2017", "2021"])
def test_a_message_says_its_version_and_namespace(version):
    root = etree.fromstring(render(samples.request(version), version))
    assert root.tag == f"{{{NAMESPACE}}}ISO18626Message"
    assert root.get(f"{{{NAMESPACE}}}version") == VERSION_ATTRIBUTE[version]


def test_the_item_identifier_order_follows_the_version():
    def order(version):
        root = etree.fromstring(render(samples.request(version), version))
        item = root.find(f".//{{{NAMESPACE}}}bibliographicItemId")
        return [etree.QName(child).localname for child in item]

    assert order("2017") == ["bibliographicItemIdentifier", "bibliographicItemIdentifierCode"]
    assert order("2021") == ["bibliographicItemIdentifierCode", "bibliographicItemIdentifier"]


def test_2021_carries_offered_costs_and_retry_dates_in_retry_info():
    message = samples.supplying_agency_message("2021")
    root = etree.fromstring(render(message, "2021"))
    retry = root.find(f".//{{{NAMESPACE}}}retryInfo")
    assert [c.findtext(f"{{{NAMESPACE}}}monetaryValue") for c in retry.findall(f"{{{NAMESPACE}}}offeredCosts")] == [
        "30.00", "4.5"]
    assert root.find(f".//{{{NAMESPACE}}}messageInfo/{{{NAMESPACE}}}offeredCosts") is None


def test_2017_writes_what_it_can_carry_and_drops_the_rest():
    message = samples.supplying_agency_message("2021")
    data = render(message, "2017")
    assert validate(data, "2017") == []
    parsed = parse(data).message
    assert parsed.delivery_info.item_ids == ("31000000012345",)
    assert parsed.retry_info is None and parsed.shipping_info is None
    assert parsed.message_info.offered_costs == (Costs(amount=Decimal("30.00")),)


def test_a_2017_header_without_a_multiple_item_request_id_writes_it_empty():
    message = dataclasses.replace(samples.request("2017"),
                                  header=dataclasses.replace(samples.header("2017", "request"),
                                                             multiple_item_request_id=None))
    data = render(message, "2017")
    assert b"<multipleItemRequestId></multipleItemRequestId>" in data
    assert validate(data, "2017") == []
    assert parse(data).message == message


def test_render_refuses_what_the_version_requires_and_the_message_lacks():
    without_supplier = dataclasses.replace(samples.header("2021", "request"), supplying_agency_id=None)
    request = Request(header=without_supplier, bibliographic_info=BibliographicInfo(title="x"))
    with pytest.raises(ValueError, match="serviceInfo"):
        render(request, "2021")
    with pytest.raises(ValueError, match="supplyingAgencyId"):
        render(dataclasses.replace(samples.request("2017"), header=without_supplier), "2017")


def test_render_refuses_codes_the_version_does_not_have():
    message = samples.requesting_agency_message("2021")
    assert message.action == RequesterAction.LOST
    with pytest.raises(ValueError, match="Lost"):
        render(message, "2017")
    status = dataclasses.replace(samples.supplying_agency_message("2017").status_info, status=SupplierStatus.HOLD_RETURN)
    with pytest.raises(ValueError, match="HoldReturn"):
        render(dataclasses.replace(samples.supplying_agency_message("2017"), status_info=status), "2017")


def test_render_refuses_an_unknown_version():
    with pytest.raises(ValueError):
        render(samples.request("2017"), "2013")


def test_plain_strings_work_where_codes_are_expected():
    message = dataclasses.replace(samples.requesting_agency_message("2017"), action="Cancel")
    assert parse(render(message)).message == message


def test_datetimes_keep_their_instant_and_nanoseconds_are_cut():
    data = render(samples.request("2017")).replace(b"2025-03-04T09:30:15.250000Z", b"2025-03-04T17:30:15.250000789+08:00")
    assert parse(data).message.header.timestamp == datetime(2025, 3, 4, 9, 30, 15, 250000, tzinfo=UTC)
