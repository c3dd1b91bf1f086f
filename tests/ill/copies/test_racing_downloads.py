"""Readers racing for the last downloads of a link: exactly as many win as downloads were left."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.conf import settings

from ill.exceptions import CopyGone
from ill.models import CopyDelivery
from ill.services import copies
from tests.concurrency import race
from tests.ill.copies.pdfs import pdf_upload


@pytest.mark.django_db(transaction=True)
def test_of_four_downloads_racing_for_the_last_two_exactly_two_win(copy_world):
    delivery = copies.upload_copy(copy_world.supply, pdf_upload(), pages=2, declaration=True)
    CopyDelivery.objects.filter(pk=delivery.pk).update(downloads=delivery.max_downloads - 2)

    def contender(barrier):
        barrier.wait()
        handle, name = copies.open_download(delivery.token)
        with handle:
            return handle.read(5), name

    results = race(*(contender for _ in range(4)))

    winners = [r for r in results if isinstance(r, tuple)]
    losers = [r for r in results if isinstance(r, Exception)]
    assert len(winners) == 2 and len(losers) == 2, results
    assert all(head == b"%PDF-" for head, _name in winners)  # the file read even if deleted meanwhile
    assert all(isinstance(e, CopyGone) and e.code == "used_up" for e in losers), losers
    delivery.refresh_from_db()
    assert delivery.downloads == delivery.max_downloads and delivery.deleted_at is not None
    assert not (Path(settings.ILL_PRIVATE_ROOT) / delivery.path).exists()
