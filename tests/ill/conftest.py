"""Shared fixtures of the ILL tests: three members and a union catalogue they share.

Alpha (east district) borrows; beta (west district) and gamma (east district) hold copies of
"红楼梦" with barcodes. Readers live in alpha's own schema. Everything is made through the
product's own services, as a library would.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django_tenants.utils import tenant_context

from tenants.models import Role
from tests.builders import add_items, create_instance, sync, union_record_of


@pytest.fixture
def library_c(make_library, district_a):
    return make_library("gamma", region=district_a, kind="high", student_count=900)


@pytest.fixture
def ill_world(library_a, library_b, library_c):
    """alpha, beta and gamma with day-one loan rules; returns them by name."""
    from circulation.services.rules import install_default_rules

    for lib in (library_a, library_b, library_c):
        with tenant_context(lib):
            install_default_rules()
    connection.set_schema_to_public()
    return {"alpha": library_a, "beta": library_b, "gamma": library_c}


def shelve(library, *, title, count=1, prefix=None, call_number="I242.47/C3", isbn="9787020002207", **item_fields):
    """``count`` copies of ``title`` on ``library``'s shelf, barcoded ``<PREFIX>0001...``."""
    from tenants.catalogue.models import Item

    instance = create_instance(library, title=title, isbns=[isbn] if isbn else [], authors=["曹雪芹"],
                               publisher="人民文学出版社", year=1982)
    items = add_items(library, instance, count, call_number=call_number, **item_fields)
    prefix = prefix or library.code[:2].upper()
    with tenant_context(library):
        for n, item in enumerate(items, 1):
            item.barcode = f"{prefix}{instance.pk:04d}{n:03d}"
            Item.objects.filter(pk=item.pk).update(barcode=item.barcode)
    connection.set_schema_to_public()
    return instance, items


@pytest.fixture
def shared_book(ill_world):
    """"红楼梦": one loanable copy at beta and one at gamma, none at alpha; the union record."""
    instance_b, items_b = shelve(ill_world["beta"], title="红楼梦")
    instance_c, items_c = shelve(ill_world["gamma"], title="红楼梦")
    sync()
    record = union_record_of(ill_world["beta"], instance_b)
    assert union_record_of(ill_world["gamma"], instance_c).pk == record.pk
    return {"record": record, "beta": items_b, "gamma": items_c}


@pytest.fixture
def reader_a(ill_world):
    """A student of alpha with a web account (the opaque public user), as reader import makes them."""
    from circulation.models import Reader

    with tenant_context(ill_world["alpha"]):
        reader = Reader.objects.create(card_number="A0001", name="张小明", kind="student",
                                       email="xiaoming@example.org")
    connection.set_schema_to_public()
    return reader


@pytest.fixture
def ill_staff(make_user, ill_world):
    """An ILL clerk in each library: ``ill_staff["alpha"]`` ..."""
    return {code: make_user(f"ill_{code}", Role.ILL_STAFF, library=lib) for code, lib in ill_world.items()}


@pytest.fixture
def term_day():
    """An ordinary open school day (a Wednesday in term, no holiday near)."""
    return dt.date(2026, 11, 18)
