"""A library's ILL figures, recomputed by hand from a handful of requests with known timestamps."""

from __future__ import annotations

import datetime as dt
import zoneinfo

import pytest

from ill.models import IllRequest, IllRequestStatusChange, RotaEntry, Supply, SupplyStatusChange
from ill.services import figures

pytestmark = pytest.mark.django_db

TZ = zoneinfo.ZoneInfo("Asia/Shanghai")
MARCH = {"start": dt.date(2026, 3, 1), "end": dt.date(2026, 3, 31)}
NOW = dt.datetime(2026, 4, 1, 12, tzinfo=TZ)


def at(day, hour):
    return dt.datetime(2026, *day, hour, tzinfo=TZ)


def _request(borrower, number, status, placed, changes, service_type="Loan"):
    request = IllRequest.objects.create(number=number, borrower=borrower, status=status, service_type=service_type,
                                        bib={"title": number})
    last = changes[-1][2] if changes else placed
    IllRequest.objects.filter(pk=request.pk).update(created_at=placed, status_changed_at=last)
    for from_state, to_state, when in changes:
        IllRequestStatusChange.objects.create(subject=request, from_state=from_state, to_state=to_state,
                                              action="step", at=when)
    return request


def _supply(lender, request, status, received, changes, reason=""):
    supply = Supply.objects.create(number=f"S-{request.number}", lender=lender, borrower=request.borrower,
                                   request=None, requester_request_id=request.number, status=status,
                                   reason_unfilled=reason)
    last = changes[-1][2] if changes else received
    Supply.objects.filter(pk=supply.pk).update(created_at=received, status_changed_at=last)
    SupplyStatusChange.objects.create(subject=supply, from_state="new", to_state="new", action="received",
                                      at=received)
    for from_state, to_state, when in changes:
        SupplyStatusChange.objects.create(subject=supply, from_state=from_state, to_state=to_state, action="step",
                                          at=when)
    return supply


@pytest.fixture
def march(ill_world):
    alpha, beta = ill_world["alpha"], ill_world["beta"]
    a = _request(alpha, "A", "completed", at((3, 2), 8), [
        ("sourcing", "requested", at((3, 2), 10)), ("requested", "will_supply", at((3, 3), 10)),
        ("will_supply", "shipped", at((3, 4), 10)), ("shipped", "received", at((3, 5), 10)),
        ("received", "return_shipped", at((3, 6), 10)), ("return_shipped", "completed", at((3, 7), 10))])
    b = _request(alpha, "B", "end_of_rota", at((3, 10), 8), [
        ("sourcing", "requested", at((3, 10), 12)), ("requested", "sourcing", at((3, 11), 12)),
        ("sourcing", "end_of_rota", at((3, 11), 13))])
    RotaEntry.objects.create(request=b, position=1, lender=beta, outcome="unfilled", outcome_code="NotOnShelf")
    c = _request(alpha, "C", "copy_delivered", at((3, 12), 8), [
        ("sourcing", "requested", at((3, 12), 14)), ("requested", "copy_delivered", at((3, 14), 14))],
        service_type="Copy")
    _request(alpha, "D", "cancelled", at((3, 15), 8), [("sourcing", "cancelled", at((3, 15), 10))])
    _request(alpha, "E", "completed", at((2, 20), 8), [("sourcing", "requested", at((2, 20), 9))])  # February
    _request(alpha, "F", "requested", at((3, 20), 8), [("sourcing", "requested", at((3, 20), 9))])  # stuck
    _supply(beta, a, "loan_completed", at((3, 2), 10), [
        ("new", "will_supply", at((3, 3), 10)), ("will_supply", "loaned", at((3, 4), 10)),
        ("loaned", "return_shipped", at((3, 6), 10)), ("return_shipped", "loan_completed", at((3, 7), 10))])
    _supply(beta, b, "unfilled", at((3, 10), 12), [("new", "unfilled", at((3, 11), 12))], reason="NotOnShelf")
    _supply(beta, c, "copy_completed", at((3, 12), 14), [("new", "copy_completed", at((3, 14), 14))])
    return ill_world


def test_the_percentile_interpolates_between_ranks():
    assert figures.percentile([1, 1, 2, 2, 4, 6], 50) == 2
    assert figures.percentile([1, 1, 2, 2, 4, 6], 90) == 5
    assert figures.percentile([24, 24, 48], 90) == pytest.approx(43.2)
    assert figures.percentile([], 50) is None


def test_the_borrowers_figures(march):
    got = figures.library_figures(march["alpha"], now=NOW, **MARCH)["borrowing"]
    assert got["made"] == 5 and got["by_status"] == {"cancelled": 1, "completed": 1, "copy_delivered": 1,
                                                      "end_of_rota": 1, "requested": 1}
    # Filled: A (loan) and C (copy); finished: those and B (end of rota); D cancelled is not counted.
    assert got["fill"] == {"filled": 2, "finished": 3, "rate": 0.6667}
    # Hours in sourcing: A 2, B 4 then 1 (after the lender said no), C 6, D 2, F 1.
    assert got["stages"]["sourcing"] == {"count": 6, "median_hours": 2.0, "p90_hours": 5.0}
    # Hours with a lender: A 24, B 24, C 48 (F is still there, so not counted).
    assert got["stages"]["requested"] == {"count": 3, "median_hours": 24.0, "p90_hours": 43.2}
    assert got["stages"]["shipped"] == {"count": 1, "median_hours": 24.0, "p90_hours": 24.0}
    assert got["turnaround"] == {"loans": {"count": 1, "median_hours": 74.0, "p90_hours": 74.0},
                                 "copies": {"count": 1, "median_hours": 54.0, "p90_hours": 54.0}}
    assert got["unfilled_reasons"] == {"NotOnShelf": 1}
    # Open and unchanged for more than five days: F with its lender, B waiting at the end of the rota.
    assert got["stuck"] == {"count": 2, "numbers": ["B", "F"]}


def test_the_lenders_figures(march):
    got = figures.library_figures(march["beta"], now=NOW, **MARCH)["lending"]
    assert got["received"] == 3
    assert got["fill"] == {"filled": 2, "finished": 3, "rate": 0.6667}
    assert got["stages"]["new"] == {"count": 3, "median_hours": 24.0, "p90_hours": 43.2}
    assert got["stages"]["loaned"] == {"count": 1, "median_hours": 48.0, "p90_hours": 48.0}
    assert got["unfilled_reasons"] == {"NotOnShelf": 1}
    assert got["stuck"]["count"] == 0


def test_the_figures_in_the_api_and_stuck_flags_in_the_lists(api_as, ill_staff, march):
    client = api_as(ill_staff["alpha"])
    answer = client.get("/api/v1/ill/libraries/alpha/ill-figures/?from=2026-03-01&to=2026-03-31")
    assert answer.status_code == 200
    data = answer.json()
    assert data["borrowing"]["made"] == 5 and data["borrowing"]["fill"]["rate"] == 0.6667
    assert data["lending"]["received"] == 0
    assert client.get("/api/v1/ill/libraries/alpha/ill-figures/?from=2026-03-31&to=2026-03-01").status_code == 400
    assert client.get("/api/v1/ill/libraries/alpha/ill-figures/?from=March").json()["code"] == "bad_date"
    stuck = client.get("/api/v1/ill/libraries/alpha/requests/?stuck=true").json()["results"]
    assert sorted(r["number"] for r in stuck) == ["B", "F"]
    listed = {r["number"]: r["stuck"] for r in client.get("/api/v1/ill/libraries/alpha/requests/").json()["results"]}
    assert listed == {"A": False, "B": True, "C": False, "D": False, "E": False, "F": True}
