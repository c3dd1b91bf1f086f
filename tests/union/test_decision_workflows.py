"""The proposal and match review tables (no database)."""

from __future__ import annotations

from types import SimpleNamespace

from union.workflow import MATCH_REVIEW, PROPOSAL


def test_a_proposal_is_decided_once():
    assert PROPOSAL.allowed_actions("pending") == ["accept", "reject"]
    assert PROPOSAL.allowed_actions("accepted") == PROPOSAL.allowed_actions("rejected") == []
    assert PROPOSAL.refusal("reject", "accepted")[1] == "decided"


def test_a_proposal_made_against_older_values_cannot_be_accepted():
    proposal = SimpleNamespace(changes={"summary": ["", "新"], "year": [2008, 2009]})
    record = SimpleNamespace(summary="别人改过", year=2008)
    reason, code = PROPOSAL.refusal("accept", "pending", proposal, {"record": record})
    assert code == "stale" and "summary" in reason and "year" not in reason
    assert PROPOSAL.check("accept", "pending", proposal, {"record": SimpleNamespace(summary="", year=2008)}) is None
    assert PROPOSAL.check("reject", "pending", proposal, {"record": record}) is None


def test_a_review_is_resolved_once():
    assert MATCH_REVIEW.allowed_actions("open") == ["merge", "keep_apart", "retire"]
    for state in ("merged", "apart", "obsolete"):
        assert MATCH_REVIEW.allowed_actions(state) == []
    assert MATCH_REVIEW.refusal("merge", "apart")[1] == "resolved"
