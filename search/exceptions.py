"""Search errors a caller can fix; the API turns them into 4xx answers."""

from __future__ import annotations

from core.exceptions import UserError


class QuerySyntaxError(UserError):
    """The search box text could not be parsed (unbalanced brackets, a dangling operator, ...)."""

    code = "query_syntax"


class BadSearchParameter(UserError):
    """A search parameter is out of range or not understood."""

    code = "bad_search_parameter"


class SearchUnavailable(Exception):
    """The search backend cannot be reached; callers retry later (the outbox keeps the changes)."""
