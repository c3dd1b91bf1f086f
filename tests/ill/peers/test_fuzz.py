"""Whatever is posted to /iso18626, the answer is a schema-valid Confirmation and never a 500."""

from __future__ import annotations

import pytest
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ill.iso18626 import validate
from tests.ill.peers.conftest import SECRET, make_peer, request_xml, supplying_xml

pytestmark = pytest.mark.django_db

_FUZZ = settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)


@pytest.fixture
def valid_bodies(ill_world):
    peer = make_peer()
    beta = ill_world["beta"]
    return [request_xml(peer, beta, "FZ-1"), supplying_xml(peer, beta, "FZ-2", "Loaned")]


def _check(body: bytes) -> None:
    response = Client().post("/iso18626", data=body, content_type="application/xml",
                             HTTP_AUTHORIZATION=f"Bearer {SECRET}")
    assert response.status_code in (200, 400, 401, 403), response.status_code
    assert validate(response.content, "2017") == [] or validate(response.content, "2021") == []


@_FUZZ
@given(data=st.binary(max_size=400))
def test_random_bytes(data, valid_bodies):
    _check(data)


@_FUZZ
@given(which=st.integers(0, 1), cut=st.integers(0, 2000), insert=st.binary(max_size=30))
def test_damaged_messages(which, cut, insert, valid_bodies):
    body = valid_bodies[which]
    cut = cut % (len(body) + 1)
    _check(body[:cut] + insert + body[cut:])
