"""The one way to change either side of a request, and the numbers requests and supplies carry.

``advance_request`` and ``advance_supply`` apply one action of ``ill.workflow`` with a conditional
update and write the audit row in the same transaction (``core.workflow.transition``); then they
hand the change to the exchange, which tells the other side in an ISO 18626 message. Callers never
set ``status`` themselves.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.db import connection, transaction
from django.utils import timezone

from core.workflow import transition
from ill.models import IllRequest, IllRequestStatusChange, Supply, SupplyStatusChange
from ill.workflow import REQUESTER, REQUESTER_FINAL, SUPPLIER, SUPPLIER_FINAL

# A supply that reaches one of these has earned its fee.
FEE_STATES = frozenset({"loan_completed", "copy_completed", "completed_without_return"})


def _next_number(prefix: str, sequence: str) -> str:
    """``R2026-000123``: the year and a database sequence, readable at a desk and over the phone."""
    with connection.cursor() as cursor:
        cursor.execute(f"CREATE SEQUENCE IF NOT EXISTS {sequence}")
        cursor.execute("SELECT nextval(%s)", [sequence])
        (value,) = cursor.fetchone()
    return f"{prefix}{timezone.localdate().year}-{value:06d}"


def next_request_number() -> str:
    return _next_number("R", "ill_request_number_seq")


def next_supply_number() -> str:
    return _next_number("S", "ill_supply_number_seq")


def advance_request(request: IllRequest, action: str, *, actor=None, note: str = "", expected: str | None = None,
                    values: Mapping[str, Any] | None = None, tell_lender: bool = True,
                    context: Mapping[str, Any] | None = None) -> IllRequest:
    """Apply the borrower's ``action`` to ``request``; raises ``Conflict`` if it may not or lost a race.

    With ``tell_lender`` the lender hears of it when the standard has an action for it
    (``REQUESTER_ISO_ACTION``): Received, ShippedReturn, Cancel, Notification.
    """
    from ill.services import exchange

    now = timezone.now()
    target = REQUESTER.action(action).target
    changes = {"status_changed_at": now, **(values or {})}
    if target in REQUESTER_FINAL:
        changes.setdefault("closed_at", now)
    with transaction.atomic():
        transition(request, REQUESTER, action, audit=IllRequestStatusChange, expected=expected, actor=actor,
                   note=note, values=changes, context=context)
        if tell_lender:
            exchange.after_requester_transition(request, action, note=note, actor=actor)
    return request


def advance_supply(supply: Supply, action: str, *, actor=None, note: str = "", expected: str | None = None,
                   values: Mapping[str, Any] | None = None, reason: str = "StatusChange", answer_yes: bool | None = None,
                   tell_borrower: bool = True, context: Mapping[str, Any] | None = None) -> Supply:
    """Apply the lender's ``action`` to ``supply`` and tell the borrower (a SupplyingAgencyMessage).

    ``reason`` is the message's reasonForMessage (RequestResponse for the first answer,
    CancelResponse, RenewResponse, StatusChange ...).
    """
    from ill.services import exchange

    now = timezone.now()
    target = SUPPLIER.action(action).target
    changes = {"status_changed_at": now, **(values or {})}
    if target in SUPPLIER_FINAL:
        changes.setdefault("closed_at", now)
    with transaction.atomic():
        transition(supply, SUPPLIER, action, audit=SupplyStatusChange, expected=expected, actor=actor,
                   note=note, values=changes, context=context)
        if target in FEE_STATES:
            from ill.services import fees

            fees.record_fee(supply)
        if tell_borrower:
            exchange.tell_borrower(supply, reason=reason, note=note, answer_yes=answer_yes)
    return supply


def audit_request(request: IllRequest, action: str, *, actor=None, note: str = "") -> None:
    """An audit row for a change that keeps the state (a renewal asked, a recall noted)."""
    from core.workflow import actor_parts

    actor_id, actor_name = actor_parts(actor)
    IllRequestStatusChange.objects.create(subject=request, from_state=request.status, to_state=request.status,
                                          action=action, actor_id=actor_id, actor_name=actor_name, note=note)


def audit_supply(supply: Supply, action: str, *, actor=None, note: str = "") -> None:
    from core.workflow import actor_parts

    actor_id, actor_name = actor_parts(actor)
    SupplyStatusChange.objects.create(subject=supply, from_state=supply.status, to_state=supply.status,
                                      action=action, actor_id=actor_id, actor_name=actor_name, note=note)
