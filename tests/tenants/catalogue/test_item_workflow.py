"""The item status table and the one definition of available and loanable (no database)."""

from __future__ import annotations

from types import SimpleNamespace

from django.utils.translation import override

from tenants.catalogue.models import ItemStatus
from tenants.catalogue.workflow import ITEM_STATUS, allowed_actions, check, is_available, is_loanable

S = ItemStatus


def test_every_status_is_a_state_of_the_table():
    assert set(ITEM_STATUS.states) == set(S.values)


def test_every_status_can_be_left_and_every_status_but_on_order_reached():
    sources = set().union(*(a.sources for a in ITEM_STATUS.actions))
    targets = {a.target for a in ITEM_STATUS.actions}
    assert sources == set(S.values)
    assert targets == set(S.values) - {S.ON_ORDER}  # items arrive on order from acquisitions


def test_at_most_one_action_leads_from_one_status_to_another():
    pairs = [(source, a.target) for a in ITEM_STATUS.actions for source in a.sources]
    assert len(pairs) == len(set(pairs))


def test_only_copies_on_the_shelf_are_available():
    assert [s for s in S.values if is_available(s)] == [S.AVAILABLE]


def test_reference_only_copies_are_never_loanable():
    assert is_loanable(S.AVAILABLE, reference_only=False)
    assert not is_loanable(S.AVAILABLE, reference_only=True)
    assert not is_loanable(S.CHECKED_OUT, reference_only=False)


def test_a_reference_only_copy_cannot_be_checked_out_or_lent():
    reference = SimpleNamespace(reference_only=True)
    with override("en"):
        assert "reference" in check("check_out", S.AVAILABLE, reference)
    assert "check_out" not in allowed_actions(S.AVAILABLE, reference)
    assert "lend_ill" not in allowed_actions(S.AVAILABLE, reference)
    assert "withdraw" in allowed_actions(S.AVAILABLE, reference)


def test_a_checked_out_copy_cannot_be_withdrawn_or_checked_out_again():
    item = SimpleNamespace(reference_only=False)
    assert check("withdraw", S.CHECKED_OUT, item)
    assert check("check_out", S.CHECKED_OUT, item)
    assert check("check_in", S.CHECKED_OUT, item) is None


def test_a_withdrawn_copy_only_comes_back_by_reinstatement():
    assert allowed_actions(S.WITHDRAWN, SimpleNamespace(reference_only=False)) == ["reinstate"]
