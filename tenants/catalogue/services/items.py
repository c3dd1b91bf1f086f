"""Changing an item's status: the item status table applied, audited and sent to the outbox.

Run inside the item's library schema (``tenant_context``). The outbox row tells the union
catalogue that the instance's holdings summary (copies on the shelf, lendable) changed.
"""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from core.exceptions import Conflict, UserError
from core.workflow import transition
from tenants.catalogue.models import Item, ItemStatus, ItemStatusChange
from tenants.catalogue.services.changes import record_change
from tenants.catalogue.workflow import ITEM_STATUS
from tenants.models import CatalogueChange


def apply_item_action(item: Item, action: str, *, expected: str | None = None, actor=None, note: str = "") -> Item:
    """Apply ``action`` of the item status table; ``expected`` is the status the caller saw."""
    with transaction.atomic():
        transition(item, ITEM_STATUS, action, audit=ItemStatusChange, expected=expected, actor=actor, note=note)
        record_change(item.holdings.instance_id, CatalogueChange.Op.HOLDINGS)
    return item


def set_item_status(item: Item, to: str, *, expected: str | None = None, actor=None, note: str = "") -> Item:
    """Move ``item`` to status ``to`` by the one action of the table that leads there.

    Raises ``Conflict`` when no action leads from the status the caller saw to ``to``, or when
    the item changed meanwhile.
    """
    if to not in ItemStatus.values:
        raise UserError(_("Unknown item status %(status)s.") % {"status": to}, code="bad_status")
    seen = item.status if expected is None else expected
    action = ITEM_STATUS.action_between(seen, to)
    if action is None:
        raise Conflict(_("An item that is “%(state)s” cannot become “%(to)s”.") % {
            "state": ITEM_STATUS.label(seen), "to": ITEM_STATUS.label(to)}, code=ITEM_STATUS.refused_code)
    return apply_item_action(item, action.name, expected=seen, actor=actor, note=note)
