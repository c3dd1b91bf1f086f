"""Choosing lenders: candidates from union holdings, scored by the consortium's policy, asked in turn."""

from __future__ import annotations


def record_answer(request, *, supply=None, outcome: str, code: str = "", note: str = "") -> None:
    """Note on the rota entry of the lender asked now what it answered."""


def move_on(request, *, actor=None) -> None:
    """Ask the next lender of the rota, or end the rota (the request returns to its borrower)."""


def sweep_timeouts(now=None) -> int:
    """Move every request whose lender did not answer in time on to its next lender."""
    return 0
