"""Shared fixtures of the circulation tests: library alpha with day-one loan rules, its people,
classes, readers and shelves of items, all made through the product's own services."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django_tenants.utils import tenant_context

from tenants.models import Role
from tests.builders import add_items, create_instance


@pytest.fixture
def library(library_a):
    """Alpha, with the day-one loan rules installed."""
    from circulation.services.rules import install_default_rules

    with tenant_context(library_a):
        install_default_rules()
    return library_a


@pytest.fixture
def in_library(library):
    """Run the test inside alpha's schema (most circulation services expect it)."""
    with tenant_context(library):
        yield library
    connection.set_schema_to_public()


@pytest.fixture
def desk_staff(make_user, library):
    return make_user("desk_a", Role.CIRCULATION, library=library)


@pytest.fixture
def helper(make_user, library):
    user = make_user("helper_a", Role.DESK_HELPER, library=library)
    user.first_name, user.last_name = "小明", "王"
    user.save()
    return user


@pytest.fixture
def make_class(library):
    from circulation.models import SchoolClass

    def make(grade=3, number="2", teacher=None, **fields):
        with tenant_context(library):
            return SchoolClass.objects.create(grade=grade, number=number, teacher=teacher, **fields)

    return make


@pytest.fixture
def make_reader(library):
    from circulation.models import Reader

    counter = iter(range(1, 100000))

    def make(name=None, kind="student", school_class=None, card=None, **fields):
        n = next(counter)
        with tenant_context(library):
            return Reader.objects.create(card_number=card or f"R{n:05d}", name=name or f"读者{n}", kind=kind,
                                         school_class=school_class, **fields)

    return make


@pytest.fixture
def make_items(library):
    """``make_items(count, title=..., material_type=..., reference_only=...)``: copies with barcodes."""
    counter = iter(range(1, 1000000))

    def make(count=1, title="西游记", material_type="book", price=None, call_number="I242.4/W8", **item_fields):
        instance = create_instance(library, title=title, material_type=material_type, clc=[call_number.split("/")[0]])
        n = next(counter)
        barcodes = [f"B{n:04d}{i:03d}" for i in range(count)]
        items = add_items(library, instance, count, call_number=call_number, price=price, **item_fields)
        with tenant_context(library):
            from tenants.catalogue.models import Item

            for item, barcode in zip(items, barcodes, strict=True):
                Item.objects.filter(pk=item.pk).update(barcode=barcode)
                item.barcode = barcode
        return items

    return make


@pytest.fixture
def term_day():
    """An ordinary open school day (a Wednesday in term, no holiday near)."""
    return dt.date(2026, 11, 18)
