"""A library's home page links each person to the work their roles open, ILL included."""

from __future__ import annotations

import pytest
from django.test import Client

from tenants.models import Role

pytestmark = pytest.mark.django_db


def _links(user, library) -> str:
    client = Client()
    client.force_login(user)
    response = client.get(f"/lib/{library.code}/")
    assert response.status_code == 200
    return response.content.decode()


def test_an_ill_clerk_finds_the_borrowing_and_lending_queues(make_user, library_a):
    page = _links(make_user("clerk", Role.ILL_STAFF, library=library_a), library_a)
    assert 'id="ill-links"' in page
    for path in ("/ill/lib/alpha/", "/ill/lib/alpha/lending/", "/ill/lib/alpha/figures/"):
        assert f'href="{path}"' in page
    assert "/ill/lib/alpha/settings/" not in page  # the administrator's


def test_a_reader_finds_their_requests_and_no_queue(make_user, library_a):
    page = _links(make_user("pupil", Role.STUDENT, library=library_a), library_a)
    assert 'href="/ill/my/"' in page
    assert "/ill/lib/alpha/" not in page


def test_a_cataloguer_sees_no_ill_section(make_user, library_a):
    page = _links(make_user("cat", Role.CATALOGUER, library=library_a), library_a)
    assert 'id="ill-links"' not in page
