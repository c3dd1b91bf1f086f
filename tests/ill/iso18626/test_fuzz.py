"""Random bytes and mutated messages: parse answers a message or a MessageError, nothing else,
and each MessageError can be answered with a schema-valid Confirmation."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ill.iso18626 import MessageError, parse, render, render_confirmation_for_error, validate
from tests.ill.iso18626 import samples

VALID = [render(make(version), version) for make in samples.ALL.values() for version in ("2017", "2021")]
FUZZ = settings(max_examples=150, deadline=None, derandomize=True,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


def check(data: bytes) -> None:
    try:
        parsed = parse(data)
    except MessageError as error:
        assert validate(render_confirmation_for_error(error), error.version or "2017") == []
    else:
        render(parsed.message, parsed.version)


@FUZZ
@given(st.binary(max_size=400))
def test_random_bytes(data):
    check(data)


@st.composite
def mutated(draw):
    data = bytearray(draw(st.sampled_from(VALID)))
    for _ in range(draw(st.integers(1, 4))):
        at = draw(st.integers(0, len(data) - 1))
        length = draw(st.integers(1, 40))
        kind = draw(st.sampled_from(["delete", "insert", "flip", "duplicate"]))
        if kind == "delete":
            del data[at:at + length]
        elif kind == "insert":
            data[at:at] = draw(st.sampled_from([b"<", b">", b"&", b"<x/>", b"</", b"\x00", b"\xff", b"]]>", b"-->",
                                                b'"', b"<!--", b"Y", b"9", b"\xe4\xb8\xad"]))
        elif kind == "flip":
            data[at] = draw(st.integers(0, 255))
        else:
            data[at:at] = data[at:at + length]
        if not data:
            break
    return bytes(data)


@FUZZ
@given(mutated())
def test_mutated_messages(data):
    check(data)
