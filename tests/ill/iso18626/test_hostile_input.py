"""Hostile and broken input gives the standard's error, never a crash, a file read or a fetch;
and every rejection can still be answered with a schema-valid Confirmation."""

from __future__ import annotations

import time

import pytest

from ill.iso18626 import (
    MAX_MESSAGE_BYTES,
    MessageError,
    parse,
    render,
    render_confirmation_for_error,
    validate,
)
from ill.iso18626.codes import ErrorType
from ill.iso18626.messages import RequestConfirmation, RequestingAgencyMessageConfirmation
from ill.iso18626.xml import error_confirmation
from tests.ill.iso18626 import samples

NS = b'xmlns="http://illtransactions.org/2013/iso18626" xmlns:ill="http://illtransactions.org/2013/iso18626"'
BADLY = ErrorType.BADLY_FORMED_MESSAGE

XXE = (b'<?xml version="1.0"?>\n<!DOCTYPE ISO18626Message [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>\n'
       b"<ISO18626Message " + NS + b' ill:version="1.2"><request>&xxe;</request></ISO18626Message>')
BILLION_LAUGHS = (
    b'<?xml version="1.0"?>\n<!DOCTYPE lolz [\n <!ENTITY lol "lol">\n'
    + b"".join(
        b' <!ENTITY lol%d "%s">\n' % (i, b"&lol%d;" % (i - 1) * 10 if i > 1 else b"&lol;" * 10) for i in range(1, 10)
    )
    + b"]>\n<ISO18626Message " + NS + b' ill:version="1.2"><request>&lol9;</request></ISO18626Message>'
)


def rejected(data: bytes) -> MessageError:
    with pytest.raises(MessageError) as caught:
        parse(data)
    return caught.value


@pytest.mark.parametrize("data", [
    pytest.param(XXE, id="xxe"),
    pytest.param(XXE.replace(b"file:///etc/passwd", b"http://127.0.0.1:9/evil.dtd"), id="xxe-network"),
    pytest.param(BILLION_LAUGHS, id="billion-laughs"),
    pytest.param(b'<!DOCTYPE ISO18626Message SYSTEM "http://example.org/x.dtd"><ISO18626Message/>', id="external-dtd"),
    pytest.param(b"<!DOCTYPE ISO18626Message><ISO18626Message " + NS + b"/>", id="doctype"),
    pytest.param(XXE.decode().replace('<?xml version="1.0"?>', '<?xml version="1.0" encoding="UTF-16"?>')
                 .encode("utf-16"), id="xxe-in-utf16"),
])
def test_a_document_with_a_doctype_is_refused_unread(data):
    started = time.monotonic()
    error = rejected(data)
    assert error.error_type == BADLY
    assert "root:" not in error.error_value
    assert time.monotonic() - started < 1


@pytest.mark.parametrize("data", [
    pytest.param(b"", id="empty"),
    pytest.param(b"  \r\n\t ", id="blank"),
    pytest.param(b"\x00\xff\xfe garbage \x80", id="binary"),
    pytest.param(b'{"request": {}}', id="json"),
    pytest.param(b"<ISO18626Message " + NS + b' ill:version="1.2"><request>', id="truncated"),
    pytest.param(b'<ISO18626Message ill:version="1.2"><request/></ISO18626Message>', id="no-namespace"),
    pytest.param(b'<ISO18626Message xmlns="http://illtransactions.org/2014/other"><request/></ISO18626Message>',
                 id="wrong-namespace"),
    pytest.param(b"<Message " + NS + b' ill:version="1.2"><request/></Message>', id="wrong-root"),
    pytest.param(b"<ISO18626Message " + NS + b' ill:version="1.2"/>', id="no-message"),
    pytest.param(b"<ISO18626Message " + NS + b' ill:version="1.2"><request/><request/></ISO18626Message>',
                 id="two-messages"),
    pytest.param(b"<ISO18626Message " + NS + b' ill:version="1.2"><request>&undefined;</request></ISO18626Message>',
                 id="undefined-entity"),
])
def test_what_is_not_one_iso18626_message_is_badly_formed(data):
    assert rejected(data).error_type == BADLY


def test_an_oversize_message_is_refused_unread():
    data = render(samples.request("2017"))
    padded = data.replace(b"<request>", b"<request><!--" + b"x" * MAX_MESSAGE_BYTES + b"-->")
    assert rejected(padded).error_type == BADLY
    assert "larger" in rejected(b" " * (MAX_MESSAGE_BYTES + 1)).error_value


def test_something_other_than_bytes_is_a_programming_error():
    with pytest.raises(TypeError):
        parse("<ISO18626Message/>")


def test_an_unexpected_element_is_unrecognised_and_the_header_is_kept():
    data = render(samples.request("2017")).replace(b"</header>", b"<favouriteColour>red</favouriteColour></header>")
    error = rejected(data)
    assert error.error_type == ErrorType.UNRECOGNISED_DATA_ELEMENT
    assert "favouriteColour" in error.error_value
    assert error.partial_header.requesting_agency_id == samples.BORROWER
    assert error.partial_header.supplying_agency_id == samples.LENDER
    assert error.partial_header.requesting_agency_request_id == "ILL-2025-000123"
    assert error.partial_header.timestamp == samples.WHEN


@pytest.mark.parametrize("foreign", [
    b'<xi:include xmlns:xi="http://www.w3.org/2001/XInclude" href="file:///etc/passwd"/>',
    b'<x:extra xmlns:x="urn:example"/>',
])
def test_an_element_of_another_namespace_is_unrecognised(foreign):
    data = render(samples.request("2017")).replace(b"</bibliographicInfo>", foreign + b"</bibliographicInfo>")
    assert rejected(data).error_type == ErrorType.UNRECOGNISED_DATA_ELEMENT


@pytest.mark.parametrize(("old", "new", "error_type"), [
    (b"<serviceType>CopyOrLoan<", b"<serviceType>Teleport<", ErrorType.UNRECOGNISED_DATA_VALUE),
    (b"<sortOrder>1<", b"<sortOrder>first<", ErrorType.UNRECOGNISED_DATA_VALUE),
    (b"<monetaryValue>25.50<", b"<monetaryValue>1e3<", ErrorType.UNRECOGNISED_DATA_VALUE),
    (b"<timestamp>2025-03-04T09:30:15.250000Z<", b"<timestamp>yesterday<", ErrorType.UNRECOGNISED_DATA_VALUE),
    (b"<anyEdition>N<", b"<anyEdition>maybe<", ErrorType.UNRECOGNISED_DATA_VALUE),
    (b"<requestingAgencyRequestId>ILL-2025-000123</requestingAgencyRequestId>", b"", BADLY),
])
def test_bad_values_and_missing_elements_give_their_error_type(old, new, error_type):
    data = render(samples.request("2017"))
    assert old in data
    assert rejected(data.replace(old, new, 1)).error_type == error_type


def test_unknown_actions_and_reasons_are_unsupported():
    action = render(samples.requesting_agency_message("2017")).replace(b">ShippedReturn<", b">Teleport<")
    assert rejected(action).error_type == ErrorType.UNSUPPORTED_ACTION_TYPE
    reason = render(samples.supplying_agency_message("2017")).replace(b">StatusChange<", b">JustBecause<")
    assert rejected(reason).error_type == ErrorType.UNSUPPORTED_REASON_FOR_MESSAGE_TYPE
    lost = render(samples.requesting_agency_message("2017")).replace(b">ShippedReturn<", b">Lost<")
    assert rejected(lost).error_type == ErrorType.UNSUPPORTED_ACTION_TYPE  # Lost is 2021 only


@pytest.mark.parametrize("version", ["2017", "2021"])
@pytest.mark.parametrize("data", [
    b"",
    XXE,
    b"<ISO18626Message " + NS + b' ill:version="1.2"><somethingElse/></ISO18626Message>',
    render(samples.requesting_agency_message("2017")).replace(b">ShippedReturn<", b">Teleport<"),
    render(samples.supplying_agency_message("2017")).replace(b">Loaned<", b">WeCouldLoan<"),
    render(samples.request("2017")).replace(b"</header>", b"<x/></header>"),
])
def test_every_rejection_has_a_schema_valid_confirmation(data, version):
    error = rejected(data)
    answer = render_confirmation_for_error(error, version)
    assert validate(answer, version) == []
    confirmation = parse(answer).message
    assert confirmation.confirmation_header.message_status == "ERROR"
    assert confirmation.error_data[0].error_type == error.error_type


def test_the_error_confirmation_matches_the_message_and_echoes_its_header():
    error = rejected(render(samples.requesting_agency_message("2017")).replace(b"<note>", b"<notes>")
                     .replace(b"</note>", b"</notes>"))
    confirmation = error_confirmation(error)
    assert isinstance(confirmation, RequestingAgencyMessageConfirmation)
    assert confirmation.action == "ShippedReturn"
    header = confirmation.confirmation_header
    assert header.requesting_agency_request_id == "ILL-2025-000123"
    assert header.requesting_agency_id == samples.BORROWER
    assert header.timestamp == samples.WHEN
    assert isinstance(error_confirmation(rejected(b"garbage")), RequestConfirmation)
