"""Fixtures of the ILL page tests: a reader of alpha with a web account, clients signed in, a clock.

The rota reads the day (a school closed today is passed over), so tests that send requests out
run on an ordinary open school day.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo

import pytest
from django.db import connection
from django.test import Client
from django.utils import timezone
from django_tenants.utils import tenant_context

READER_NAME = "张小明"  # the name of ``reader_a`` (tests/ill/conftest.py)


@pytest.fixture
def open_day(monkeypatch, term_day):
    """Django's clock at 10:00 in Shanghai on an open school day."""
    moment = dt.datetime.combine(term_day, dt.time(10), tzinfo=zoneinfo.ZoneInfo("Asia/Shanghai"))
    monkeypatch.setattr(timezone, "now", lambda: moment)
    return moment


@pytest.fixture
def reader_account(ill_world, reader_a):
    """alpha's reader 张小明 with the opaque web account a card-and-PIN sign-in gives."""
    from circulation import auth

    with tenant_context(ill_world["alpha"]):
        user = auth.account_for(ill_world["alpha"], reader_a)
    connection.set_schema_to_public()
    return user


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def reader_client(reader_account):
    return signed_in(reader_account)


@pytest.fixture
def alpha_staff(ill_staff):
    return signed_in(ill_staff["alpha"])


@pytest.fixture
def beta_staff(ill_staff):
    return signed_in(ill_staff["beta"])


@pytest.fixture
def gamma_staff(ill_staff):
    return signed_in(ill_staff["gamma"])
