"""Search request parameters, from the REST API and the web catalogue alike, read into one SearchQuery.

Both front ends send the same names, so the same advanced search finds the same records on each:

    q                          the search box syntax (``search.query``)
    title author subject       text fields; each reads the search box syntax, words searched in that field
    publisher
    isbn issn clc              identifiers, matched whole (clc as a class number prefix)
    year                       1990 or 1990-2000; repeated or comma-separated values are alternatives
    library district           filters: repeated or comma-separated values, any of them (OR),
    material_type language     every filter must hold (AND)
    clc_class
    available                  true: only records with a lendable item on the shelf somewhere
    year_from year_to          publication year range
    sort                       relevance, year_desc, year_asc, title
    offset limit               the API's window; the web catalogue asks by ``page`` instead
    facets                     whether to count facet values (default true)

A parameter that cannot be read raises ``BadSearchParameter`` (a ``UserError``) naming it.
"""

from __future__ import annotations

from django.utils.translation import gettext as _

from search.analysis import year_range
from search.backends.postgres import MAX_WINDOW
from search.contract import SORTS, BoolNode, Node, SearchQuery, Term
from search.exceptions import BadSearchParameter
from search.query import MAX_QUERY_LENGTH, parse

# Longest accepted value of each text parameter; longer ones are refused, not cut.
TEXT_FIELDS = {
    "title": 500,
    "author": 500,
    "subject": 500,
    "isbn": 40,
    "issn": 20,
    "clc": 40,
    "publisher": 300,
    "year": 20,
}
FIELDED = tuple(TEXT_FIELDS)
# Identifiers are compared whole by the backends; the box syntax would split them at punctuation.
IDENTIFIER_FIELDS = ("isbn", "issn", "clc")
LIST_FILTERS = {"library": 60, "district": 60, "material_type": 20, "language": 10, "clc_class": 2}
DEFAULT_LIMIT = 20
MAX_LIMIT = 100
MAX_OFFSET = MAX_WINDOW
MAX_YEAR = 9999
_TRUE = {"true", "1", "yes", "on", "t", "y"}
_FALSE = {"false", "0", "no", "off", "f", "n"}


def _raw(params, name: str) -> list[str]:
    """Every value given for ``name`` (a QueryDict repeats keys; a plain dict may hold a list)."""
    if hasattr(params, "getlist"):
        values = params.getlist(name)
    else:
        value = params.get(name)
        values = [] if value is None else list(value) if isinstance(value, list | tuple) else [value]
    values = [str(v) for v in values]
    for value in values:
        if "\x00" in value:
            raise BadSearchParameter(_("%(name)s: null characters are not allowed.") % {"name": name})
    return values


def _text(params, name: str, max_length: int) -> str:
    values = _raw(params, name)
    text = values[-1].strip() if values else ""
    if len(text) > max_length:
        raise BadSearchParameter(
            _("%(name)s: at most %(n)d characters.") % {"name": name, "n": max_length}
        )
    return text


def list_values(params, name: str) -> list[str]:
    """A list parameter's values: repeated (``?library=a&library=b``) or comma-separated (``a,b``)."""
    return [v.strip() for value in _raw(params, name) for v in value.split(",") if v.strip()]


def _int(params, name: str, default: int | None, low: int, high: int) -> int | None:
    text = _text(params, name, 20)
    if not text:
        return default
    try:
        number = int(text)
    except ValueError:
        raise BadSearchParameter(_("%(name)s must be a whole number.") % {"name": name}) from None
    if not low <= number <= high:
        raise BadSearchParameter(
            _("%(name)s must be between %(low)d and %(high)d.") % {"name": name, "low": low, "high": high}
        )
    return number


def _bool(params, name: str, default: bool) -> bool:
    text = _text(params, name, 10).lower()
    if not text:
        return default
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise BadSearchParameter(_("%(name)s must be true or false.") % {"name": name})


def _years(params) -> Node | None:
    terms = []
    for value in list_values(params, "year"):
        if len(value) > TEXT_FIELDS["year"]:
            raise BadSearchParameter(
                _("%(name)s: at most %(n)d characters.") % {"name": "year", "n": TEXT_FIELDS["year"]}
            )
        year_range(value)  # refuses what is not a year or a range, before any search runs
        terms.append(Term("year", value))
    if not terms:
        return None
    return terms[0] if len(terms) == 1 else BoolNode("or", tuple(terms))


def _match(params) -> Node | None:
    """The search box and every fielded parameter, all of which must match."""
    nodes: list[Node] = []
    box = parse(_text(params, "q", MAX_QUERY_LENGTH))
    if box is not None:
        nodes.append(box)
    for field, max_length in TEXT_FIELDS.items():
        if field == "year":
            node = _years(params)
        elif field in IDENTIFIER_FIELDS:
            text = _text(params, field, max_length)
            node = Term(field, text) if text else None
        else:
            node = parse(_text(params, field, max_length), default_field=field)
        if node is not None:
            nodes.append(node)
    if not nodes:
        return None
    return nodes[0] if len(nodes) == 1 else BoolNode("and", tuple(nodes))


def _filters(params) -> dict[str, list[str]]:
    filters = {}
    for name, max_length in LIST_FILTERS.items():
        values = list_values(params, name)
        if any(len(v) > max_length for v in values):
            raise BadSearchParameter(
                _("%(name)s: at most %(n)d characters.") % {"name": name, "n": max_length}
            )
        if values:
            filters[name] = values
    if _bool(params, "available", False):
        filters["available"] = ["true"]
    return filters


def search_query(params, *, page_size: int | None = None) -> SearchQuery:
    """The SearchQuery a request's parameters ask for.

    Without ``page_size`` the window is the ``offset`` and ``limit`` parameters (the API);
    with it, the ``page`` parameter picks a page of that size (the web catalogue).
    """
    query = _match(params)
    filters = _filters(params)
    year_from = _int(params, "year_from", None, 0, MAX_YEAR)
    year_to = _int(params, "year_to", None, 0, MAX_YEAR)
    if year_from is not None and year_to is not None and year_from > year_to:
        raise BadSearchParameter(_("year_from must not be after year_to."))
    sort = _text(params, "sort", 20) or "relevance"
    if sort not in SORTS:
        raise BadSearchParameter(
            _("sort must be one of %(sorts)s.") % {"sorts": ", ".join(SORTS)}
        )
    if page_size is None:
        offset = _int(params, "offset", 0, 0, MAX_OFFSET)
        limit = _int(params, "limit", DEFAULT_LIMIT, 1, MAX_LIMIT)
    else:
        page = _int(params, "page", 1, 1, max_page(page_size))
        offset, limit = (page - 1) * page_size, page_size
    return SearchQuery(
        query=query,
        filters=filters,
        year_from=year_from,
        year_to=year_to,
        sort=sort,
        offset=offset,
        limit=limit,
        facets=_bool(params, "facets", True),
    )


def max_page(page_size: int) -> int:
    """The last page a search can show: backends serve results only up to ``MAX_WINDOW``."""
    return max(MAX_WINDOW // page_size, 1)


def asks_anything(query: SearchQuery) -> bool:
    """Whether a query names anything to look for (the web catalogue shows no results until then)."""
    return (
        query.query is not None
        or bool(query.filters)
        or query.year_from is not None
        or query.year_to is not None
    )
