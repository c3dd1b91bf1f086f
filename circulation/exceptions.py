"""Refusals of the desk and the reader services, each with a code the API and the desk page show."""

from __future__ import annotations

from core.exceptions import Conflict, NotFound, UserError


class Refused(Conflict):
    """The desk will not do it (reference book, over the limit, card inactive…); ``message`` says why
    in the reader's language and ``code`` names the reason for the page's colour and sound."""


__all__ = ["Conflict", "NotFound", "Refused", "UserError"]
