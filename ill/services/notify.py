"""Notices at each step of a request: in-app (``Notification``) and by e-mail through Django's mail.

Staff of the library concerned hear of new incoming requests and of every answer; the reader (by
opaque account, the e-mail address looked up in their own library's schema) hears when the item
is ready to collect, when a copy can be downloaded, and when a request cannot be filled.
"""

from __future__ import annotations


def new_supply(supply) -> None:
    """A lender's staff: a new incoming request."""


def request_news(request, news) -> None:
    """The borrower's staff (and the reader where it concerns them): the lender's message ``news``."""


def supply_news(supply, iso_action: str, note: str) -> None:
    """The lender's staff: the borrower's action (Cancel, ShippedReturn, Renew, ...)."""


def request_changed(request, action: str) -> None:
    """The borrower's own step (approved, received, ready for pickup, end of rota ...)."""
