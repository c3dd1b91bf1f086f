"""The web catalogue (OPAC): search every member library at once, then see who holds a title.

Pages work as plain links and forms; with htmx, facet, sort and page links swap only the
results (``#results``) and push the URL, so the back button and shared links still work.
"""

from __future__ import annotations

import logging
from urllib.parse import urlencode

from django.http import Http404
from django.shortcuts import render
from django.urls import reverse
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.exceptions import UserError
from search.contract import FACETS, SearchQuery
from search.labels import facet_labels, language_name, material_type_name
from search.services import search
from search.services.params import asks_anything, list_values, max_page, search_query
from search.web import record_actions
from union.models import UnionHolding, UnionRecord

logger = logging.getLogger(__name__)

PAGE_SIZE = 20
ADVANCED_FIELDS = [
    ("title", gettext_lazy("Title")),
    ("author", gettext_lazy("Author")),
    ("subject", gettext_lazy("Subject")),
    ("isbn", gettext_lazy("ISBN")),
    ("issn", gettext_lazy("ISSN")),
    ("publisher", gettext_lazy("Publisher")),
    ("clc", gettext_lazy("CLC number")),
]
FACET_TITLES = {
    "library": gettext_lazy("Library"),
    "district": gettext_lazy("District"),
    "material_type": gettext_lazy("Material type"),
    "language": gettext_lazy("Language"),
    "year": gettext_lazy("Year"),
    "clc_class": gettext_lazy("CLC class"),
    "available": gettext_lazy("Availability"),
}
SORT_LABELS = {
    "relevance": gettext_lazy("Relevance"),
    "year_desc": gettext_lazy("Newest first"),
    "year_asc": gettext_lazy("Oldest first"),
    "title": gettext_lazy("Title"),
}


def _url(params, **changes) -> str:
    """The current search's query string with some parameters replaced (None removes)."""
    data = {k: params.getlist(k) for k in params if k != "page"}
    for key, value in changes.items():
        if value is None:
            data.pop(key, None)
        else:
            data[key] = value if isinstance(value, list) else [value]
    pairs = [(k, v) for k, values in data.items() for v in values if v != ""]
    return "?" + urlencode(pairs)


def _selected(params, query: SearchQuery, facet: str) -> list[str]:
    # Years are a fielded search, not a filter; "available" is on whatever true-like word it was given as.
    return list_values(params, "year") if facet == "year" else query.filters.get(facet, [])


def _facet_groups(params, query: SearchQuery, facets) -> list[dict]:
    # A chosen value the results no longer count is labelled too: it keeps a link to remove it.
    chosen = {f: [*facets.get(f, []), *((v, 0) for v in _selected(params, query, f))] for f in FACETS}
    labels = facet_labels(chosen)
    groups = []
    for facet in FACETS:
        selected = _selected(params, query, facet)
        values = facets.get(facet, [])
        if facet == "year":
            values = sorted(values, key=lambda vc: vc[0], reverse=True)
        if facet == "available":
            values = [vc for vc in values if vc[0] == "true"]
        entries = []
        for value, number in values:
            on = value in selected
            new = [v for v in selected if v != value] if on else [*selected, value]
            entries.append(
                {
                    "value": value,
                    "label": labels[facet][value],
                    "count": number,
                    "selected": on,
                    "url": _url(params, **{facet: new}),
                }
            )
        # A chosen value the results no longer count still needs a way to remove it.
        for value in selected:
            if value not in {e["value"] for e in entries}:
                entries.insert(
                    0,
                    {
                        "value": value,
                        "label": labels[facet][value],
                        "count": 0,
                        "selected": True,
                        "url": _url(params, **{facet: [v for v in selected if v != value]}),
                    },
                )
        if entries:
            groups.append({"name": facet, "title": FACET_TITLES[facet], "entries": entries})
    return groups


def _holding_rows(holdings) -> list[dict]:
    """One row per library: a library may hold an edition under several local records."""
    merged: dict[int, dict] = {}
    for h in holdings:
        row = merged.setdefault(
            h.library_id,
            {"library": h.library, "call_numbers": [], "total": 0, "available": 0, "loanable": 0},
        )
        if h.call_number and h.call_number not in row["call_numbers"]:
            row["call_numbers"].append(h.call_number)
        row["total"] += h.items_total
        row["available"] += h.items_available
        row["loanable"] += h.items_loanable
    rows = []
    for row in merged.values():
        if row["loanable"]:
            status = _("Can be lent")
        elif row["available"]:
            status = _("Reference only")
        elif row["total"]:
            status = _("All copies out")
        else:
            status = _("No items")
        row.update(
            call_number="; ".join(row.pop("call_numbers")),
            out=max(row["total"] - row["available"], 0),
            status=status,
        )
        rows.append(row)
    return rows


def search_page(request):
    params = request.GET
    context = {
        "q": params.get("q", ""),
        "fields": [(name, label, params.get(name, "")) for name, label in ADVANCED_FIELDS],
        "year_from": params.get("year_from", ""),
        "year_to": params.get("year_to", ""),
        "sort": params.get("sort", "relevance"),
        "sorts": [(key, label, _url(params, sort=key)) for key, label in SORT_LABELS.items()],
        "advanced": any(params.get(name) for name, _l in ADVANCED_FIELDS)
        or bool(params.get("year_from") or params.get("year_to")),
        "asked": False,
    }
    try:
        query = search_query(params, page_size=PAGE_SIZE)
        context["asked"] = asks_anything(query)
        if context["asked"]:
            result, records = search(query)
            page = query.offset // PAGE_SIZE + 1
            pages = min((result.total + PAGE_SIZE - 1) // PAGE_SIZE, max_page(PAGE_SIZE))
            context.update(
                {
                    "total": result.total,
                    "records": [
                        {
                            "record": r,
                            "holdings": _holding_rows(r.holdings.all()),
                            "available": any(h.items_loanable for h in r.holdings.all()),
                        }
                        for r in records
                    ],
                    "facet_groups": _facet_groups(params, query, result.facets),
                    "page": page,
                    "pages": pages,
                    "first_shown": query.offset + 1 if records else 0,
                    "last_shown": query.offset + len(records),
                    "prev_url": _url(params, page=str(page - 1)) if page > 1 else None,
                    "next_url": _url(params, page=str(page + 1)) if page < pages else None,
                    "clear_url": "?" + urlencode([("q", params.get("q", ""))]),
                }
            )
    except UserError as exc:
        context["error"] = exc.message
    except Exception:
        logger.exception("OPAC search failed")
        context["error"] = _("The catalogue cannot be searched right now. Please try again in a moment.")
    partial = request.headers.get("HX-Target") == "results" and not request.headers.get(
        "HX-History-Restore-Request"
    )
    response = render(request, "search/_results.html" if partial else "search/search.html", context)
    # The same URL answers a fragment to htmx and a page to the browser: keep caches apart.
    patch_vary_headers(response, ["HX-Request", "HX-Target"])
    return response


def record_page(request, urid: str):
    try:
        record = UnionRecord.objects.select_related("master_library").get(urid=urid)
    except UnionRecord.DoesNotExist:
        raise Http404(_("No such record.")) from None
    holdings = (
        UnionHolding.objects.filter(union_record=record)
        .select_related("library", "library__region")
        .order_by("-items_loanable", "-items_available", "library__code")
    )
    rows = _holding_rows(holdings)
    context = {
        "record": record,
        "authors": [a.get("name", "") if isinstance(a, dict) else str(a) for a in record.authors or []],
        "material": material_type_name(record.material_type),
        "languages": [language_name(code) for code in record.languages or []],
        "holdings": rows,
        "any_loanable": any(r["loanable"] for r in rows),
        "actions": [] if record.deleted else record_actions.actions_for(request, record),
        "back_url": request.GET.get("back", "") if request.GET.get("back", "").startswith("/search/") else "",
        "oai_marc_url": f"{reverse('oai')}?{urlencode({'verb': 'GetRecord', 'metadataPrefix': 'marc21', 'identifier': _oai_id(record)})}",
    }
    return render(request, "search/record.html", context)


def _oai_id(record) -> str:
    from search.oai.views import oai_identifier

    return oai_identifier(record.urid)


def suggest_options(request):
    """``<option>`` title completions for the search box's datalist (htmx; harmless without)."""
    from search.services import suggest

    prefix = request.GET.get("q", "").strip()[:100]
    titles: list[str] = []
    if prefix:
        try:
            titles = suggest(prefix, limit=8)
        except Exception:  # suggestions are a nicety: never break typing
            logger.exception("title suggestions failed")
    return render(request, "search/_suggestions.html", {"titles": titles})
