"""The ILL app's errors; the API turns them into 4xx answers with their ``code``."""

from __future__ import annotations

from core.exceptions import Conflict, UserError


class RequestRefused(Conflict):
    """A request cannot be placed or changed; ``code`` says why (held_locally, reader_blocked, duplicate ...)."""


class SupplyRefused(Conflict):
    """A lender's step cannot be done (wrong barcode, item not on the shelf, file not a PDF ...)."""


class BadCopy(UserError):
    """An uploaded scan that is not accepted (type, size, pages)."""


class CopyGone(UserError):
    """A copy's link that expired or whose downloads are used up (its file is deleted); ``code`` says which."""

    status_code = 410
    code = "gone"
