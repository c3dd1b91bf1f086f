"""Two coordinators resolve the same match review at the same moment: one resolution stands."""

from __future__ import annotations

import pytest

from core.exceptions import Conflict
from tests.concurrency import race
from tests.union.conftest import create_instance
from union.models import ClusterDecision, MatchReview, MatchReviewStatusChange, UnionHolding
from union.services import clusters
from union.services.sync import drain


@pytest.mark.django_db(transaction=True)
def test_of_a_merge_and_a_keep_apart_racing_exactly_one_wins(library_a, library_b, coordinator):
    a = create_instance(library_a, title="红楼梦 (校注本)", authors=["曹雪芹"], publisher="人民文学出版社", year=2008)
    b = create_instance(library_b, title="红楼梦", authors=["曹雪芹"], publisher="", year=2008)
    drain()
    review = MatchReview.objects.get(status="open")

    def resolve(action):
        def contender(barrier):
            seen = MatchReview.objects.get(pk=review.pk)
            barrier.wait()  # both have seen "open"
            clusters.resolve_review(seen, action, user=coordinator)
            return action
        return contender

    results = race(resolve("merge"), resolve("apart"))

    winners = [r for r in results if isinstance(r, str)]
    losers = [r for r in results if isinstance(r, Exception)]
    assert len(winners) == 1 and len(losers) == 1, results
    assert isinstance(losers[0], Conflict) and losers[0].code == "resolved"
    review.refresh_from_db()
    assert review.status == {"merge": "merged", "apart": "apart"}[winners[0]]
    audit = list(MatchReviewStatusChange.objects.values_list("subject_id", "from_state", "to_state", "actor_id"))
    assert audit == [(review.pk, "open", review.status, coordinator.pk)]
    together = (UnionHolding.objects.get(library=library_a, instance_id=a.pk).union_record_id
                == UnionHolding.objects.get(library=library_b, instance_id=b.pk).union_record_id)
    kept_apart = ClusterDecision.objects.filter(kind="apart").exists()
    assert (together, kept_apart) == ((True, False) if winners[0] == "merge" else (False, True))
