"""``GET /api/v1/search/``: the public union catalogue search (anonymous readers welcome)."""

from __future__ import annotations

from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from search import services
from search.documents import district_code
from search.exceptions import BadSearchParameter
from search.labels import facet_labels
from search.services.params import FIELDED, LIST_FILTERS, MAX_LIMIT, search_query

from .serializers import SearchResponseSerializer, SuggestResponseSerializer


def hit(record, district_cache: dict | None = None) -> dict:
    district_cache = {} if district_cache is None else district_cache
    holdings = []
    for h in record.holdings.all():
        holdings.append(
            {
                "library": h.library.code,
                "library_name": h.library.name,
                "district": district_code(h.library.region, district_cache),
                "call_number": h.call_number,
                "items_total": h.items_total,
                "items_available": h.items_available,
                "items_loanable": h.items_loanable,
                "available": h.items_loanable > 0,
            }
        )
    authors = [a.get("name", "") if isinstance(a, dict) else str(a) for a in record.authors or []]
    return {
        "id": record.pk,
        "urid": record.urid,
        "title": record.title,
        "authors": [a for a in authors if a],
        "publisher": record.publisher,
        "year": record.year,
        "isbns": list(record.isbns or []),
        "clc": list(record.clc or []),
        "material_type": record.material_type,
        "holdings": holdings,
    }


_PARAMS = [
    OpenApiParameter(
        "q", OpenApiTypes.STR, description='Search box: words, field:term, AND/OR/NOT, "phrases"'
    ),
    *[OpenApiParameter(f, OpenApiTypes.STR, description=f"Search the {f} field") for f in FIELDED],
    OpenApiParameter("year_from", OpenApiTypes.INT),
    OpenApiParameter("year_to", OpenApiTypes.INT),
    *[
        OpenApiParameter(
            f, OpenApiTypes.STR, many=True, explode=True, description="Filter (repeat or comma-separate)"
        )
        for f in LIST_FILTERS
    ],
    OpenApiParameter(
        "available", OpenApiTypes.BOOL, description="Only records with a lendable item on the shelf"
    ),
    OpenApiParameter("sort", OpenApiTypes.STR, enum=["relevance", "year_desc", "year_asc", "title"]),
    OpenApiParameter("offset", OpenApiTypes.INT),
    OpenApiParameter("limit", OpenApiTypes.INT, description=f"1 to {MAX_LIMIT}"),
    OpenApiParameter("facets", OpenApiTypes.BOOL, description="Return facet counts (default true)"),
]


class SearchView(APIView):
    """Search every member library's holdings at once."""

    permission_classes = [AllowAny]

    @extend_schema(parameters=_PARAMS, responses=SearchResponseSerializer, operation_id="search")
    def get(self, request):
        query = search_query(request.query_params)
        result, records = services.search(query)
        labels = facet_labels(result.facets)
        cache: dict = {}
        facets = {
            name: [
                {"value": value, "label": labels[name][value], "count": count} for value, count in values
            ]
            for name, values in result.facets.items()
        }
        return Response(
            {
                "count": result.total,
                "offset": query.offset,
                "limit": query.limit,
                "results": [hit(r, cache) for r in records],
                "facets": facets,
                "facets_estimated": bool(getattr(result, "facets_estimated", False)),
            }
        )


class SuggestView(APIView):
    """Title completions for what a reader has typed so far (characters or pinyin)."""

    permission_classes = [AllowAny]

    @extend_schema(
        parameters=[
            OpenApiParameter("q", OpenApiTypes.STR, required=True),
            OpenApiParameter("limit", OpenApiTypes.INT, description="1 to 20"),
        ],
        responses=SuggestResponseSerializer,
        operation_id="search_suggest",
    )
    def get(self, request):
        text = (request.query_params.get("q") or "").strip()[:100]
        try:
            limit = int(request.query_params.get("limit", 10))
        except ValueError:
            raise BadSearchParameter(_("limit must be a whole number.")) from None
        if not 1 <= limit <= 20:
            raise BadSearchParameter(_("limit must be between 1 and 20."))
        return Response({"q": text, "suggestions": services.suggest(text, limit=limit) if text else []})
