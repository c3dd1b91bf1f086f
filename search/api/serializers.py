"""Search API answers (the parameters are read by ``search.services.params``)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers


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
