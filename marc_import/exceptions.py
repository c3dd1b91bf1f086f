"""Errors of MARC ingestion the caller can fix (the API answers them with a 4xx)."""

from __future__ import annotations

from core.exceptions import NotFound, UserError


class UnknownProfile(UserError):
    code = "unknown_profile"


class BadOption(UserError):
    code = "bad_option"


class SourceNotFound(NotFound):
    code = "source_not_found"


class HarvestError(UserError):
    status_code = 502
    code = "harvest_error"
