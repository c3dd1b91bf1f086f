"""Search API parameters and answers."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from search.contract import SORTS

MAX_LIMIT = 100
LIST_FACETS = ("library", "district", "material_type", "language", "clc_class")
FIELDED = ("title", "author", "subject", "isbn", "issn", "clc", "publisher", "year")


class SearchParamsSerializer(serializers.Serializer):
    q = serializers.CharField(
        required=False, allow_blank=True, max_length=1000, help_text=_("search box text")
    )
    title = serializers.CharField(required=False, allow_blank=True, max_length=500)
    author = serializers.CharField(required=False, allow_blank=True, max_length=500)
    subject = serializers.CharField(required=False, allow_blank=True, max_length=500)
    isbn = serializers.CharField(required=False, allow_blank=True, max_length=40)
    issn = serializers.CharField(required=False, allow_blank=True, max_length=20)
    clc = serializers.CharField(
        required=False, allow_blank=True, max_length=40, help_text=_("CLC class prefix")
    )
    publisher = serializers.CharField(required=False, allow_blank=True, max_length=300)
    year = serializers.CharField(
        required=False, allow_blank=True, max_length=20, help_text=_("1990 or 1990-2000")
    )
    year_from = serializers.IntegerField(required=False, min_value=0, max_value=9999)
    year_to = serializers.IntegerField(required=False, min_value=0, max_value=9999)
    library = serializers.ListField(child=serializers.CharField(max_length=60), required=False)
    district = serializers.ListField(child=serializers.CharField(max_length=60), required=False)
    material_type = serializers.ListField(child=serializers.CharField(max_length=20), required=False)
    language = serializers.ListField(child=serializers.CharField(max_length=10), required=False)
    clc_class = serializers.ListField(child=serializers.CharField(max_length=2), required=False)
    available = serializers.BooleanField(required=False, allow_null=True, default=None)
    sort = serializers.ChoiceField(choices=SORTS, default="relevance")
    offset = serializers.IntegerField(default=0, min_value=0, max_value=10000)
    limit = serializers.IntegerField(default=20, min_value=1, max_value=MAX_LIMIT)
    facets = serializers.BooleanField(default=True)

    def to_internal_value(self, data):
        # Query strings: list facets may be repeated (?library=a&library=b) or comma-separated.
        if hasattr(data, "getlist"):
            plain = {}
            for key in data:
                values = data.getlist(key)
                if key in LIST_FACETS:
                    plain[key] = [v.strip() for value in values for v in value.split(",") if v.strip()]
                else:
                    plain[key] = values[-1]
            data = plain
        return super().to_internal_value(data)


class HoldingSerializer(serializers.Serializer):
    library = serializers.CharField(help_text=_("library code"))
    library_name = serializers.CharField()
    district = serializers.CharField(allow_blank=True)
    call_number = serializers.CharField(allow_blank=True)
    items_total = serializers.IntegerField()
    items_available = serializers.IntegerField(help_text=_("on the shelf now"))
    items_loanable = serializers.IntegerField(help_text=_("on the shelf and lendable"))
    available = serializers.BooleanField(help_text=_("a lendable item is on the shelf"))


class SearchHitSerializer(serializers.Serializer):
    id = serializers.IntegerField(help_text=_("union record id"))
    urid = serializers.CharField()
    title = serializers.CharField()
    authors = serializers.ListField(child=serializers.CharField())
    publisher = serializers.CharField(allow_blank=True)
    year = serializers.IntegerField(allow_null=True)
    isbns = serializers.ListField(child=serializers.CharField())
    clc = serializers.ListField(child=serializers.CharField())
    material_type = serializers.CharField()
    holdings = HoldingSerializer(many=True)


class FacetValueSerializer(serializers.Serializer):
    value = serializers.CharField()
    label = serializers.CharField()
    count = serializers.IntegerField()


class FacetsSerializer(serializers.Serializer):
    library = FacetValueSerializer(many=True, required=False)
    district = FacetValueSerializer(many=True, required=False)
    material_type = FacetValueSerializer(many=True, required=False)
    language = FacetValueSerializer(many=True, required=False)
    year = FacetValueSerializer(many=True, required=False)
    clc_class = FacetValueSerializer(many=True, required=False)
    available = FacetValueSerializer(many=True, required=False)


class SearchResponseSerializer(serializers.Serializer):
    count = serializers.IntegerField(help_text=_("how many records match"))
    offset = serializers.IntegerField()
    limit = serializers.IntegerField()
    results = SearchHitSerializer(many=True)
    facets = FacetsSerializer()
    facets_estimated = serializers.BooleanField(
        help_text=_("facet counts of very broad searches are estimated from a sample of the matches")
    )


class SuggestResponseSerializer(serializers.Serializer):
    q = serializers.CharField()
    suggestions = serializers.ListField(child=serializers.CharField())
