"""The lender's side: answering, pull slips, shipping through circulation, renewals, recalls, loss."""

from __future__ import annotations


def auto_respond_later(supply_pk: int) -> None:
    """After commit: answer a new supply from live availability if its lender auto-responds."""


def answer_renewal(supply, *, actor=None) -> None:
    """Answer a borrower's Renew (RenewResponse yes with the new due date, or no)."""
    from ill.services.exchange import tell_borrower

    tell_borrower(supply, reason="RenewResponse", answer_yes=False)


def auto_respond(supply_pk: int) -> None:
    """Answer from live availability: WillSupply with a loanable copy on the shelf, else Unfilled NotOnShelf."""


def sweep_overdues(today=None) -> int:
    return 0
