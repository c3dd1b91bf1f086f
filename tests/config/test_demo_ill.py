"""The demo's interlibrary loans: a request in every state a borrower sees, a month of fees that
adds up, ISO 18626 messages valid against their schema, and histories spread over past weeks.

Building the demo takes a minute, so these checks run inside the demo test that builds it with its
records (``tests/config/test_demo.py``), through ``assert_ill_demo``; the state list is checked
here on its own.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from config.demo_ill import PLANS
from ill.models import IllRequest

R = IllRequest.Status
# Every state but "finding a lender", which a request passes through within one step.
SHOWN = frozenset(R.values) - {R.SOURCING}


def test_the_demo_story_reaches_every_state_a_borrower_sees():
    """Each state is the end of some plan (the full check is ``assert_ill_demo`` on a built demo)."""
    last = {plan.path[-1] if plan.path else "placed" for plan in PLANS}
    assert {"placed", "expect", "condition", "answer", "slip", "pick", "ship", "receive", "lend", "returned",
            "ship_return", "check_in", "copy", "unfilled", "cancel", "reject", "lost", "compensated",
            "cancel_pending"} <= last


def assert_ill_demo(client) -> None:
    """Run on a demo built with its records (called from the demo test)."""
    from django.db.models import F

    from config.demo import DEMO_PASSWORD
    from config.demo_circulation import TODAY
    from ill.iso18626 import validate
    from ill.models import (
        CopyDelivery,
        FeeLine,
        IllMessage,
        IllRequestStatusChange,
        LibraryIllSettings,
        RotaEntry,
        Supply,
        SupplyStatusChange,
    )
    from ill.services import fees, figures
    from tenants.models import Library

    states = set(IllRequest.objects.values_list("status", flat=True))
    assert SHOWN <= states, f"no demo request is {sorted(SHOWN - states)}"

    # Every state is the end of its audit trail, and the trail chains from one state to the next.
    for model, audit in ((IllRequest, IllRequestStatusChange), (Supply, SupplyStatusChange)):
        for subject in model.objects.all():
            trail = list(audit.objects.filter(subject=subject).order_by("at", "id").values_list(
                "from_state", "to_state"))
            assert trail and trail[-1][1] == subject.status, (subject.number, trail)
            assert all(a[1] == b[0] for a, b in zip(trail, trail[1:], strict=False)), (subject.number, trail)

    # The month's statement: fees between several pairs, each pair's figures add up, nets sum to zero.
    document = fees.settlement(year=2026, month=11)
    assert len(document["pairs"]) >= 4
    for row in document["pairs"]:
        assert row["owed"] == row["gross"] - row["subsidy"] + row["compensation"] and row["gross"] > 0
    assert sum((b["net"] for b in document["balances"]), Decimal("0")) == 0
    assert document["totals"]["owed"] == sum((row["owed"] for row in document["pairs"]), Decimal("0"))
    assert document["totals"]["subsidy"] > 0 and document["totals"]["compensation"] > 0
    assert not FeeLine.objects.exclude(occurred_on__year=2026, occurred_on__month=11).exists()

    # Every message the demo exchanged is valid ISO 18626.
    messages = list(IllMessage.objects.all())
    assert len(messages) >= 100
    for message in messages:
        assert validate(message.body.encode(), message.version) == [], (message.pk, message.kind)

    # The rota passed over the closed school with its dates; a lender answered by itself.
    assert RotaEntry.objects.filter(outcome="skipped", outcome_code="closed", lender__code="xishan_nine").exists()
    assert RotaEntry.objects.filter(outcome="unfilled", outcome_code="PoorCondition").exists()
    assert LibraryIllSettings.objects.filter(auto_respond=True).exists()
    assert SupplyStatusChange.objects.filter(actor_name="auto-respond", to_state="will_supply").exists()
    assert CopyDelivery.objects.count() >= 3

    # Histories spread over the past weeks, so the figures show time per stage, turnaround and stuck.
    first = IllRequest.objects.order_by("created_at").first().created_at.date()
    assert first <= TODAY - dt.timedelta(days=14)
    assert not IllRequestStatusChange.objects.filter(at__lt=F("subject__created_at")).exists()
    library = Library.objects.get(code="dongcheng_no1")
    shown = figures.library_figures(library, start=TODAY - dt.timedelta(days=60), end=TODAY)
    assert shown["borrowing"]["turnaround"]["loans"]["count"] >= 2
    assert shown["borrowing"]["stages"]["shipped"]["median_hours"] > 24
    assert shown["borrowing"]["fill"]["filled"] >= 2

    # The ILL clerks sign in and see their queue.
    assert client.login(username="dongcheng_mid_ill", password=DEMO_PASSWORD)
    answer = client.get("/api/v1/ill/libraries/dongcheng_mid/supplies/")
    assert answer.status_code == 200 and answer.json()["count"] >= 1
