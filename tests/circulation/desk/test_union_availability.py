"""A checkout or a return reaches the union catalogue through the existing outboxes, so search
tells "on the shelf" from "on loan" truly: the desk never writes union or search rows itself."""

from __future__ import annotations

import time

import pytest
from django_tenants.utils import tenant_context
from rest_framework.test import APIClient

from circulation.services import desk
from search.services import drain_union_outbox
from tests.builders import sync
from union.models import UnionHolding

TITLE = "城南旧事"


@pytest.fixture
def index(db):
    """The PostgreSQL search index, empty before and after."""
    from search.backends import get_backend

    engine = get_backend("postgres")
    engine.ensure_index()
    engine.clear()
    yield engine
    engine.clear()


def holding(library, item) -> UnionHolding:
    return UnionHolding.objects.get(library=library, instance_id=item.holdings.instance_id)


def search(**params) -> dict:
    body = APIClient().get("/api/v1/search/", {"q": TITLE, **params}).json()
    return {hit["urid"]: [h for h in hit["holdings"] if h["library"] == "alpha"] for hit in body["results"]}


def refresh_union_and_index():
    sync()  # catalogue outbox -> union holdings
    drain_union_outbox(backend="postgres")  # union outbox -> search index


def test_checkout_and_return_change_union_availability_and_search(library, make_reader, make_items, index):
    make_reader("林英子", card="S0001")
    item = make_items(1, title=TITLE)[0]
    refresh_union_and_index()
    urid = holding(library, item).union_record.urid
    assert (holding(library, item).items_available, holding(library, item).items_loanable) == (1, 1)
    assert urid in search(available="true")

    with tenant_context(library):
        desk.check_out("S0001", item.barcode)
    refresh_union_and_index()
    assert (holding(library, item).items_total, holding(library, item).items_available) == (1, 0)
    assert holding(library, item).items_loanable == 0
    assert urid not in search(available="true")  # the index says: not on any shelf
    assert search()[urid][0]["available"] is False and search()[urid][0]["items_total"] == 1

    with tenant_context(library):
        desk.check_in(item.barcode)
    refresh_union_and_index()
    assert (holding(library, item).items_available, holding(library, item).items_loanable) == (1, 1)
    assert urid in search(available="true") and search()[urid][0]["available"] is True


def wait_for(condition, seconds: float = 5.0) -> float:
    """Seconds until ``condition()`` held; fails after ``seconds``."""
    started = time.monotonic()
    while time.monotonic() - started < seconds:
        if condition():
            return time.monotonic() - started
        time.sleep(0.05)
    raise AssertionError(f"not within {seconds} s")


@pytest.mark.django_db(transaction=True)
def test_a_committed_checkout_reaches_the_union_and_search_without_a_manual_drain(library, make_reader, make_items,
                                                                               index, settings):
    """With no broker, the outbox tasks run in-process right after the commit."""
    assert settings.CELERY_TASK_ALWAYS_EAGER
    make_reader("林英子", card="S0001")
    item = make_items(1, title=TITLE)[0]
    wait_for(lambda: UnionHolding.objects.filter(library=library, instance_id=item.holdings.instance_id,
                                                 items_loanable=1).exists())
    urid = holding(library, item).union_record.urid
    wait_for(lambda: urid in search(available="true"))

    with tenant_context(library):
        desk.check_out("S0001", item.barcode)  # commits: no transaction around it
    wait_for(lambda: holding(library, item).items_available == 0)
    wait_for(lambda: urid not in search(available="true"))

    with tenant_context(library):
        desk.check_in(item.barcode)
    wait_for(lambda: holding(library, item).items_available == 1)
    wait_for(lambda: urid in search(available="true"))
