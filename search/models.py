"""The PostgreSQL search index (public schema): one row per indexed union record.

Rows hold our own analysed tokens (``search.analysis``) as ``tsvector``s built with the
'simple' configuration, so nothing beyond stock PostgreSQL is needed. Filters and facets use one
array of ``facet:value`` keys (``facet_keys``) under a GIN index: a filter is an array overlap
or containment, and facet counts are one ``unnest``/``GROUP BY`` pass over the matches.
"""

from __future__ import annotations

from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVectorField
from django.db import models
from django.utils.translation import gettext_lazy as _


class SearchDocument(models.Model):
    record_id = models.BigIntegerField(primary_key=True, help_text=_("union record id"))
    version = models.PositiveIntegerField(default=0)
    title = models.TextField(blank=True)
    title_key = models.CharField(max_length=200, blank=True, help_text=_("folded title for exact matches"))
    pinyin_key = models.CharField(max_length=200, blank=True)
    initials_key = models.CharField(max_length=100, blank=True)
    any_tv = SearchVectorField(null=True)
    title_tv = SearchVectorField(null=True)
    author_tv = SearchVectorField(null=True)
    subject_tv = SearchVectorField(null=True)
    publisher_tv = SearchVectorField(null=True)
    pinyin_tv = SearchVectorField(null=True)
    isbns = ArrayField(models.CharField(max_length=20), default=list, blank=True)
    issns = ArrayField(models.CharField(max_length=12), default=list, blank=True)
    clc_prefixes = ArrayField(models.CharField(max_length=40), default=list, blank=True)
    facet_keys = ArrayField(models.CharField(max_length=60), default=list, blank=True)
    year = models.IntegerField(null=True, blank=True)
    available = models.BooleanField(default=False)
    static_rank = models.IntegerField(default=0, help_text=_("holdings-based rank for broad searches"))
    indexed_at = models.DateTimeField(auto_now=True)

    class Meta:
        db_table = "search_document"
        indexes = [
            GinIndex(fields=["any_tv"], name="search_doc_any_gin"),
            GinIndex(fields=["title_tv"], name="search_doc_title_gin"),
            GinIndex(fields=["author_tv"], name="search_doc_author_gin"),
            GinIndex(fields=["subject_tv"], name="search_doc_subject_gin"),
            GinIndex(fields=["publisher_tv"], name="search_doc_publisher_gin"),
            GinIndex(fields=["pinyin_tv"], name="search_doc_pinyin_gin"),
            GinIndex(fields=["isbns"], name="search_doc_isbn_gin"),
            GinIndex(fields=["issns"], name="search_doc_issn_gin"),
            GinIndex(fields=["clc_prefixes"], name="search_doc_clc_gin"),
            GinIndex(fields=["facet_keys"], name="search_doc_facet_gin"),
            models.Index(fields=["title_key"], name="search_doc_title_key", opclasses=["text_pattern_ops"]),
            models.Index(fields=["pinyin_key"], name="search_doc_pinyin_key", opclasses=["text_pattern_ops"]),
            models.Index(
                fields=["initials_key"], name="search_doc_initials_key", opclasses=["text_pattern_ops"]
            ),
            models.Index(fields=["-static_rank", "record_id"], name="search_doc_rank"),
            models.Index(fields=["year"], name="search_doc_year"),
        ]

    def __str__(self) -> str:
        return f"{self.record_id} v{self.version} {self.title}"
