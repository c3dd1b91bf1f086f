"""docs/ILL.md shows both state tables as they are in the code."""

from __future__ import annotations

from pathlib import Path

from ill.workflow import ISO_STATUS, REQUESTER, SUPPLIER

DOC = (Path(__file__).resolve().parents[2] / "docs" / "ILL.md").read_text(encoding="utf-8")


def _edges(workflow) -> set[str]:
    return {f"{source} --> {action.target} : {action.name}" for action in workflow.actions
            for source in action.sources}


def _documented() -> set[str]:
    return {line.strip() for line in DOC.splitlines() if " --> " in line}


def test_every_transition_of_both_sides_is_in_the_diagrams_and_nothing_else():
    assert _documented() == _edges(REQUESTER) | _edges(SUPPLIER)


def test_the_status_table_maps_every_lender_state():
    for state, status in ISO_STATUS.items():
        assert f"| `{state}` | {status} |" in DOC
