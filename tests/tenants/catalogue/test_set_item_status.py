"""set_item_status: the table decides, the change is audited and reaches the outbox."""

from __future__ import annotations

import pytest
from django.utils.translation import override
from django_tenants.utils import tenant_context

from core.exceptions import Conflict, UserError
from tenants.catalogue.models import Item, ItemStatusChange
from tenants.catalogue.services.items import set_item_status
from tenants.models import CatalogueChange
from tests.union.conftest import create_instance


@pytest.fixture
def item(library_a):
    instance = create_instance(library_a, title="西游记", items=1)
    with tenant_context(library_a):
        yield Item.objects.select_related("holdings").get(holdings__instance_id=instance.pk)


def test_it_changes_the_status_audits_it_and_records_a_holdings_change(library_a, librarian_a, item):
    before = item.updated_at
    CatalogueChange.objects.all().delete()
    set_item_status(item, "checked_out", actor=librarian_a, note="desk 1")
    row = Item.objects.get(pk=item.pk)
    assert (row.status, item.status) == ("checked_out", "checked_out")
    assert row.updated_at > before
    change = ItemStatusChange.objects.get(subject=item)
    assert (change.from_state, change.to_state, change.action, change.actor_id, change.actor_name, change.note) == (
        "available", "checked_out", "check_out", librarian_a.pk, "lib_a", "desk 1")
    assert list(CatalogueChange.objects.values_list("library_id", "instance_id", "op")) == [
        (library_a.pk, item.holdings.instance_id, "holdings")]


def test_it_refuses_a_change_no_action_leads_to(item):
    set_item_status(item, "checked_out")
    with override("en"), pytest.raises(Conflict, match="cannot become"):
        set_item_status(item, "withdrawn")
    assert Item.objects.get(pk=item.pk).status == "checked_out"


def test_it_refuses_a_change_from_a_status_the_item_no_longer_has(item):
    Item.objects.filter(pk=item.pk).update(status="missing")
    with pytest.raises(Conflict) as refused:
        set_item_status(item, "checked_out", expected="available")
    assert refused.value.code == "changed"
    assert Item.objects.get(pk=item.pk).status == "missing"
    assert not ItemStatusChange.objects.exists()


def test_a_reference_only_copy_is_never_checked_out(item):
    Item.objects.filter(pk=item.pk).update(reference_only=True)
    item.refresh_from_db()
    with override("en"), pytest.raises(Conflict, match="reference"):
        set_item_status(item, "checked_out")


def test_an_unknown_status_is_the_caller_s_mistake(item):
    with pytest.raises(UserError) as refused:
        set_item_status(item, "borrowed")
    assert refused.value.code == "bad_status"
