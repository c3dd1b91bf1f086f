"""Requests made with the core services, as a borrower and lender would have them, for the API tests."""

from __future__ import annotations

import pytest
from django.utils import timezone

from ill.models import IllRequest, RotaEntry
from ill.services import exchange
from ill.services.transitions import advance_request, next_request_number


def request_to(borrower, lender, record, *, reader=None, status=IllRequest.Status.SOURCING, **fields):
    """A request of ``borrower`` (for ``reader``) sent to ``lender``: the request and the lender's supply."""
    request = IllRequest.objects.create(
        number=next_request_number(), borrower=borrower, union_record=record, bib={"title": record.title},
        status=status, reader_id=reader.pk if reader else None, reader_user_id=reader.user_id if reader else None,
        **fields)
    if lender is None:
        return request, None
    entry = RotaEntry.objects.create(request=request, position=1, lender=lender, score=10,
                                     reasons=[{"code": "same_district", "points": 30, "detail": {}}],
                                     outcome=RotaEntry.Outcome.ASKED, asked_at=timezone.now())
    advance_request(request, "send_to_lender", values={"lender": lender})
    supply = exchange.send_request(request, entry)
    request.refresh_from_db()
    return request, supply


@pytest.fixture
def reader_user(reader_a, ill_world, django_user_model):
    """``reader_a``'s web account, as the reader sign-in makes it (a reader membership of alpha)."""
    from django.db import connection
    from django_tenants.utils import tenant_context

    from circulation.auth import account_for

    with tenant_context(ill_world["alpha"]):
        user = account_for(ill_world["alpha"], reader_a)
    connection.set_schema_to_public()
    reader_a.user_id = user.pk
    return user
