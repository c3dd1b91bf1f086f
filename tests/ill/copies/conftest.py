"""Fixtures of the document delivery tests: a Copy request alpha borrows from beta, scans kept in a
temporary private folder."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from ill.models import IllRequest, RotaEntry, ServiceType
from ill.services import exchange
from ill.services.transitions import advance_request, next_request_number
from tenants.models import Role


@pytest.fixture(autouse=True)
def private_root(settings, tmp_path):
    settings.ILL_PRIVATE_ROOT = tmp_path / "ill-private"
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.ILL_PRIVATE_ROOT


def copy_request(borrower, lender, *, reader_user=None, service_type=ServiceType.COPY):
    """A reader's Copy request sent to ``lender`` through the exchange, as the rota would; (request, supply)."""
    request = IllRequest.objects.create(
        number=next_request_number(), borrower=borrower, bib={"title": "红楼梦"}, service_type=service_type,
        pages="12-30", part_title="第一回", reader_user_id=reader_user.pk if reader_user else None,
        status=IllRequest.Status.SOURCING)
    entry = RotaEntry.objects.create(request=request, position=1, lender=lender, score=10)
    advance_request(request, "send_to_lender", values={"lender": lender})
    supply = exchange.send_request(request, entry)
    request.refresh_from_db()
    return request, supply


@pytest.fixture
def copy_world(ill_world, ill_staff, make_user):
    """Alpha's reader asks for a copy of a chapter; beta is the lender asked."""
    reader = make_user("reader-alpha-1", Role.STUDENT, library=ill_world["alpha"])
    request, supply = copy_request(ill_world["alpha"], ill_world["beta"], reader_user=reader)
    return SimpleNamespace(request=request, supply=supply, reader=reader, staff=ill_staff, **ill_world)
