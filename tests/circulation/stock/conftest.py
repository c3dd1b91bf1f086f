"""Fixtures of the stock tests: hand-made shelves of two CLC classes in alpha's "main" room."""

from __future__ import annotations

import pytest
from django_tenants.utils import tenant_context


@pytest.fixture
def move_to(library):
    """``move_to(items, location)``: put items' holdings in another room (a cataloguer's edit)."""
    from tenants.catalogue.models import HoldingsRecord

    def move(items, location):
        with tenant_context(library):
            HoldingsRecord.objects.filter(pk__in=[i.holdings_id for i in items]).update(location=location)

    return move


@pytest.fixture
def shelves(in_library, make_items, make_reader, move_to, term_day):
    """Four novels (I) and three histories (K) in "main", one novel in the reading room, one
    withdrawn novel, and one of the novels on loan."""
    from circulation.services import desk, ledgers

    novels = make_items(4, title="西游记", call_number="I242.4/W8", price="20.00")
    histories = make_items(3, title="史记", call_number="K204.2/S1", price="50.00")
    elsewhere = make_items(1, title="围城", call_number="I246.5/Q1")
    move_to(elsewhere, "阅览室")
    weeded = make_items(1, title="旧书", call_number="I247/J1")
    ledgers.withdraw([weeded[0].barcode], "worn", today=term_day)
    make_reader("李雷", card="S1")
    desk.check_out("S1", novels[3].barcode, today=term_day)
    return {"novels": novels, "histories": histories, "elsewhere": elsewhere[0], "weeded": weeded[0]}
