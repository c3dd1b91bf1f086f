"""Fees of completed requests and the statements between libraries."""

from __future__ import annotations


def record_fee(supply) -> None:
    """The fee line of a supply that just completed (loan returned, copy sent, lost and compensated)."""
