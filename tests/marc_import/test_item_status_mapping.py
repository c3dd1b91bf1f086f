"""The holdings mapping knows exactly the item statuses of the catalogue (no database).

The mapping runs in spawned worker processes that do not load Django's models, so it keeps its
own copy of the names; this test keeps the copy true.
"""

from __future__ import annotations

from marc_import.mapping.holdings import STATUSES
from tenants.catalogue.models import ItemStatus


def test_the_mapping_statuses_are_the_catalogue_item_statuses():
    assert STATUSES == set(ItemStatus.values)
