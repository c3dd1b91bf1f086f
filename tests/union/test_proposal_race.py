"""Two coordinators decide the same proposal at the same moment: one decision stands."""

from __future__ import annotations

import pytest

from core.exceptions import Conflict
from tests.concurrency import race
from tests.union.conftest import create_instance
from union.models import Proposal, ProposalStatusChange, UnionRecord
from union.services import cataloguing
from union.services.sync import drain


@pytest.mark.django_db(transaction=True)
def test_of_an_accept_and_a_reject_racing_exactly_one_wins(library_a, cataloguer_a, coordinator):
    create_instance(library_a, title="红楼梦", authors=["曹雪芹"], publisher="人民文学出版社", year=2008)
    drain()
    record = UnionRecord.objects.get(deleted=False)
    proposal = cataloguing.propose(record, cataloguer_a, library_a, {"summary": "清代长篇小说。"})
    version = record.version

    def decide(how):
        def contender(barrier):
            seen = Proposal.objects.get(pk=proposal.pk)
            barrier.wait()  # both have seen "pending"
            getattr(cataloguing, how)(seen, coordinator, f"{how}ed")
            return how
        return contender

    results = race(decide("accept"), decide("reject"))

    winners = [r for r in results if isinstance(r, str)]
    losers = [r for r in results if isinstance(r, Exception)]
    assert len(winners) == 1 and len(losers) == 1, results
    assert isinstance(losers[0], Conflict) and losers[0].code == "decided"
    proposal.refresh_from_db()
    assert (proposal.status, proposal.decision_note) == ({"accept": "accepted", "reject": "rejected"}[winners[0]],
                                                         f"{winners[0]}ed")
    audit = list(ProposalStatusChange.objects.values_list("subject_id", "from_state", "to_state", "actor_id"))
    assert audit == [(proposal.pk, "pending", proposal.status, coordinator.pk)]
    record.refresh_from_db()
    if winners[0] == "accept":
        assert record.summary == "清代长篇小说。" and record.version > version
    else:  # the losing accept changed nothing in the master record
        assert record.summary == "" and record.version == version
