"""Fixtures of the rota tests: a settable clock, a fourth member far away, and requests placed.

The rota reads the day (a school closed today is passed over, answers are due in open days), so
every test runs at a fixed moment: Django's clock is set, as a school's desk tests pass ``today``.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo

import pytest
from django.db import connection
from django.utils import timezone
from django_tenants.utils import tenant_context

from tenants.models import Region

SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")


def at(day: dt.date, hour: int = 10) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour), tzinfo=SHANGHAI)


class Clock:
    """Django's ``timezone.now`` for the test, moved by ``set`` or ``advance``."""

    def __init__(self, moment: dt.datetime):
        self.moment = moment

    def __call__(self) -> dt.datetime:
        return self.moment

    def set(self, moment: dt.datetime) -> None:
        self.moment = moment

    def advance(self, **delta) -> dt.datetime:
        self.moment += dt.timedelta(**delta)
        return self.moment


@pytest.fixture
def clock(monkeypatch, term_day):
    """Wednesday 18 November 2026, 10:00 in Shanghai (an ordinary open school day)."""
    clock = Clock(at(term_day))
    monkeypatch.setattr(timezone, "now", clock)
    return clock


@pytest.fixture
def library_d(make_library, province):
    """Delta: a school in another province (neither the borrower's district nor its city)."""
    other = Region.objects.create(code="far_prov", name="远省", level="province")
    far = Region.objects.create(code="far", name="远区", level="district", parent=other)
    return make_library("delta", region=far, kind="high")


@pytest.fixture
def rota_world(ill_world, library_d):
    from circulation.services.rules import install_default_rules

    with tenant_context(library_d):
        install_default_rules()
    connection.set_schema_to_public()
    return {**ill_world, "delta": library_d}


@pytest.fixture
def place(rota_world, shared_book, clock):
    """Place a request for the shared book by alpha (by staff unless ``reader`` is given)."""
    from ill.services.requests import place_request

    def place(reader=None, *, record=None, **options):
        options.setdefault("by_staff", reader is None)
        return place_request(borrower=rota_world["alpha"], union_record=record or shared_book["record"],
                             reader=reader, **options)

    return place


def entries(request, round=None):
    from ill.models import RotaEntry

    qs = RotaEntry.objects.filter(request=request).select_related("lender").order_by("round", "position")
    if round is not None:
        qs = qs.filter(round=round)
    return list(qs)


def rota_of(request, round=None):
    """[(lender code, outcome, outcome code)] in rota order."""
    return [(e.lender.code, e.outcome, e.outcome_code) for e in entries(request, round)]


def supply_of(request):
    from ill.services.exchange import active_supply

    return active_supply(request)
