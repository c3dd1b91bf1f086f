"""The workflow table and its pure helpers (no database)."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from core.workflow import Action, Workflow


def not_locked(obj, context):
    return "it is locked" if getattr(obj, "locked", False) else None


def with_permission(obj, context):
    return None if context.get("allowed") else "no permission"


DOOR = Workflow(
    states={"open": "Open", "closed": "Closed", "locked": "Locked"},
    actions=(
        Action("close", {"open"}, "closed"),
        Action("open", {"closed"}, "open", [not_locked]),
        Action("lock", {"closed"}, "locked", [with_permission]),
        Action("unlock", ["locked"], "closed", label="unlock the door"),
    ),
)


def test_it_allows_an_action_only_from_its_source_states():
    assert DOOR.check("close", "open") is None
    reason = DOOR.check("close", "closed")
    assert reason and "close" in reason and "Closed" in reason


def test_allowed_actions_follow_the_table_order_and_the_guards():
    assert DOOR.allowed_actions("open") == ["close"]
    assert DOOR.allowed_actions("closed", SimpleNamespace(locked=False)) == ["open"]
    assert DOOR.allowed_actions("closed", SimpleNamespace(locked=False), {"allowed": True}) == ["open", "lock"]
    assert DOOR.allowed_actions("locked") == ["unlock"]


def test_a_guard_gives_its_reason():
    assert DOOR.check("open", "closed", SimpleNamespace(locked=True)) == "it is locked"
    assert DOOR.check("lock", "closed", None, {"allowed": False}) == "no permission"


def test_the_refusal_names_the_action_by_its_label():
    assert "unlock the door" in DOOR.check("unlock", "open")


def test_action_between_finds_the_action_that_leads_there():
    assert DOOR.action_between("closed", "locked").name == "lock"
    assert DOOR.action_between("open", "locked") is None


def test_an_unknown_action_is_a_programming_error():
    with pytest.raises(ValueError):
        DOOR.check("paint", "open")


def test_a_table_naming_unknown_states_is_refused():
    with pytest.raises(ValueError, match="unknown states"):
        Workflow(states={"a": "A"}, actions=(Action("go", {"a"}, "b"),))


def test_a_table_declaring_an_action_twice_is_refused():
    with pytest.raises(ValueError, match="twice"):
        Workflow(states={"a": "A", "b": "B"}, actions=(Action("go", {"a"}, "b"), Action("go", {"b"}, "a")))
