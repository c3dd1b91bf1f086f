"""Errors shared by every app. A service raises one of these; the API turns it into a 4xx."""

from __future__ import annotations


class UserError(Exception):
    """Something the caller can fix; carries the HTTP status the API answers with."""

    status_code = 400
    code = "invalid"

    def __init__(self, message: str, *, code: str | None = None):
        super().__init__(message)
        self.message = message
        if code:
            self.code = code


class NotFound(UserError):
    status_code = 404
    code = "not_found"


class Conflict(UserError):
    status_code = 409
    code = "conflict"


class PermissionDenied(UserError):
    status_code = 403
    code = "permission_denied"
