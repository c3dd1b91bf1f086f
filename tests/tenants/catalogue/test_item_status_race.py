"""Two staff members change the same item at the same moment: one wins, the other is told."""

from __future__ import annotations

import pytest
from django_tenants.utils import tenant_context

from core.exceptions import Conflict
from tenants.catalogue.models import Item, ItemStatusChange
from tenants.catalogue.services.items import set_item_status
from tenants.models import CatalogueChange
from tests.concurrency import race
from tests.union.conftest import create_instance


@pytest.mark.django_db(transaction=True)
def test_of_two_concurrent_status_changes_exactly_one_wins(library_a):
    instance = create_instance(library_a, title="红楼梦", items=1)
    with tenant_context(library_a):
        item_id = Item.objects.get(holdings__instance_id=instance.pk).pk
    CatalogueChange.objects.all().delete()

    def change_to(status):
        def contender(barrier):
            with tenant_context(library_a):
                item = Item.objects.select_related("holdings").get(pk=item_id)
                barrier.wait()  # both have seen "available"
                set_item_status(item, status, actor=f"desk {status}")
                return status
        return contender

    results = race(change_to("checked_out"), change_to("missing"))

    winners = [r for r in results if isinstance(r, str)]
    losers = [r for r in results if isinstance(r, Exception)]
    assert len(winners) == 1 and len(losers) == 1, results
    assert isinstance(losers[0], Conflict) and losers[0].code == "changed"
    with tenant_context(library_a):
        assert Item.objects.get(pk=item_id).status == winners[0]
        audit = list(ItemStatusChange.objects.values_list("from_state", "to_state", "actor_name"))
    assert audit == [("available", winners[0], f"desk {winners[0]}")]
    # The loser's outbox row went with its transaction.
    assert list(CatalogueChange.objects.values_list("instance_id", "op")) == [(instance.pk, "holdings")]
