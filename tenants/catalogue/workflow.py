"""Item status as a table, and the one definition of "available" and "loanable".

Circulation and interlibrary loan move items through these actions; cataloguers mark items
missing, damaged or withdrawn. Everything that counts copies on the shelf (the union
catalogue's holdings summaries, the search facet built from them, the catalogue API) asks
``is_available``/``is_loanable`` or filters with ``available_q``/``loanable_q``.
"""

from __future__ import annotations

from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from core.workflow import Action, Workflow
from tenants.catalogue.models import ItemStatus

S = ItemStatus

# On the shelf: a reader could take it now.
ON_THE_SHELF = frozenset({S.AVAILABLE})
# Still part of the collection (counted in a library's holdings).
HELD = frozenset(set(S.values) - {S.WITHDRAWN})


def is_available(status: str) -> bool:
    return status in ON_THE_SHELF


def is_loanable(status: str, reference_only: bool) -> bool:
    """On the shelf and lent at all (reference-only copies never leave the library)."""
    return is_available(status) and not reference_only


def available_q() -> Q:
    return Q(status__in=ON_THE_SHELF)


def loanable_q() -> Q:
    return available_q() & Q(reference_only=False)


def held_q() -> Q:
    return Q(status__in=HELD)


def lendable(item, context) -> str | None:
    """Guard: reference-only items are never lent."""
    if getattr(item, "reference_only", False):
        return str(_("This item is for reference only and is never lent."))
    return None


ITEM_STATUS = Workflow(
    states=dict(S.choices),
    actions=(
        Action("check_out", {S.AVAILABLE, S.AWAITING_PICKUP}, S.CHECKED_OUT, [lendable], _("check out")),
        Action("lend_ill", {S.AVAILABLE, S.AWAITING_PICKUP}, S.ON_ILL_LOAN, [lendable], _("lend through ILL")),
        Action("hold_for_pickup", {S.AVAILABLE, S.IN_TRANSIT}, S.AWAITING_PICKUP, [lendable],
               _("hold for pickup")),
        Action("send", {S.AVAILABLE, S.CHECKED_OUT, S.ON_ILL_LOAN}, S.IN_TRANSIT, label=_("send")),
        Action("check_in", {S.CHECKED_OUT, S.ON_ILL_LOAN, S.IN_TRANSIT, S.AWAITING_PICKUP, S.IN_PROCESS,
                            S.ON_ORDER, S.MISSING, S.LOST, S.DAMAGED}, S.AVAILABLE, label=_("put on the shelf")),
        Action("process", {S.AVAILABLE, S.ON_ORDER, S.MISSING, S.LOST, S.DAMAGED}, S.IN_PROCESS,
               label=_("send to processing")),
        Action("mark_missing", {S.AVAILABLE, S.IN_TRANSIT, S.AWAITING_PICKUP, S.IN_PROCESS}, S.MISSING,
               label=_("mark missing")),
        Action("declare_lost", {S.CHECKED_OUT, S.ON_ILL_LOAN, S.IN_TRANSIT, S.MISSING}, S.LOST,
               label=_("declare lost")),
        Action("mark_damaged", {S.AVAILABLE, S.CHECKED_OUT, S.ON_ILL_LOAN, S.IN_TRANSIT, S.AWAITING_PICKUP,
                                S.IN_PROCESS}, S.DAMAGED, label=_("mark damaged")),
        Action("withdraw", {S.AVAILABLE, S.IN_PROCESS, S.ON_ORDER, S.MISSING, S.LOST, S.DAMAGED}, S.WITHDRAWN,
               label=_("withdraw")),
        Action("reinstate", {S.WITHDRAWN}, S.AVAILABLE, label=_("reinstate")),
    ),
    refused=_("An item that is “%(state)s” cannot be changed that way (%(action)s)."),
    lost=_("Someone else changed this item first (it is no longer “%(state)s”); reload and try again."),
)


def allowed_actions(status: str, item=None) -> list[str]:
    return ITEM_STATUS.allowed_actions(status, item)


def check(action: str, status: str, item=None) -> str | None:
    return ITEM_STATUS.check(action, status, item)
