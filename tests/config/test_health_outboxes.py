"""``/healthz`` reports each outbox's pending and dead-lettered rows without failing on them."""

from __future__ import annotations

import pytest
from django.utils import timezone

from tenants.models import CatalogueChange
from union.models import UnionChange

pytestmark = pytest.mark.django_db


def test_dead_letters_are_counted_but_the_instance_stays_healthy(client, library_a):
    CatalogueChange.objects.create(library=library_a, instance_id=1, op="upsert")
    CatalogueChange.objects.create(library=library_a, instance_id=2, op="upsert", attempts=5,
                                   last_error="ProgrammingError: gone", dead_at=timezone.now())
    UnionChange.objects.create(union_record_id=1, attempts=5, dead_at=timezone.now())
    UnionChange.objects.create(union_record_id=2, attempts=5, dead_at=timezone.now())
    UnionChange.objects.create(union_record_id=3, processed_at=timezone.now())
    response = client.get("/healthz")
    body = response.json()
    assert response.status_code == 200, body
    assert body["outboxes"] == {
        "ok": True,
        "catalogue": {"pending": 1, "dead": 1},
        "union": {"pending": 0, "dead": 2},
    }
