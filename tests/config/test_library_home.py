"""A library's home page offers each person what they do there, and nothing of readers' data to
coordinators."""

from __future__ import annotations

import re

import pytest
from django_tenants.utils import tenant_context

from tenants.models import Role


def links(client, user, code="alpha") -> set[str]:
    client.force_login(user)
    body = client.get(f"/lib/{code}/").content.decode()
    return set(re.findall(rf'href="(/lib/{code}/[^"?]*)"', body))


@pytest.mark.django_db
def test_each_role_sees_its_own_links(client, make_user, library_a, district_a):
    from circulation.models import Stocktake

    with tenant_context(library_a):
        stocktake = Stocktake.objects.create(name="期末盘点")
    admin = make_user("adm", Role.LIBRARY_ADMIN, library=library_a)
    helper = make_user("helper", Role.DESK_HELPER, library=library_a)
    student = make_user("stu", Role.STUDENT, library=library_a)
    coordinator = make_user("coord", Role.COORDINATOR, region=district_a)

    assert {"/lib/alpha/desk/", "/lib/alpha/readers/", "/lib/alpha/figures/", "/lib/alpha/circulation/loan-rules/",
            "/lib/alpha/imports/"} <= links(client, admin)
    seen = links(client, helper)
    assert "/lib/alpha/desk/" in seen and f"/lib/alpha/stocktakes/{stocktake.pk}/scan/" in seen
    assert "/lib/alpha/readers/" not in seen and "/lib/alpha/figures/" not in seen
    assert links(client, student) >= {"/lib/alpha/my/loans/"}
    assert "/lib/alpha/desk/" not in links(client, student)
    assert not {link for link in links(client, coordinator) if "desk" in link or "readers" in link
                or "figures" in link}
