"""The union catalogue (public schema): one UnionRecord per edition, linked to every member's
local Instance of it through UnionHolding, which also carries that member's holdings summary.

A UnionRecord's denormalised bibliographic fields are those of its master record; search
indexes them. Each change to a UnionRecord is written to the UnionChange outbox, drained by
the search indexer.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from tenants.models import Library


class UnionRecord(models.Model):
    urid = models.CharField(max_length=20, unique=True, help_text=_("stable readable id"))
    # The master record: which member's instance supplies the bibliographic data.
    master_library = models.ForeignKey(Library, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    master_instance_id = models.BigIntegerField(null=True, blank=True)
    master_pinned = models.BooleanField(default=False, help_text=_("chosen by a coordinator"))
    record_format = models.CharField(max_length=10, default="marc21")
    title = models.TextField(_("title"), blank=True)
    other_title = models.TextField(blank=True)
    parallel_titles = models.JSONField(default=list, blank=True)
    volume = models.CharField(max_length=200, blank=True)
    responsibility = models.TextField(blank=True)
    authors = models.JSONField(default=list, blank=True)
    edition = models.CharField(max_length=300, blank=True)
    publisher = models.CharField(max_length=300, blank=True)
    place = models.CharField(max_length=300, blank=True)
    year = models.IntegerField(null=True, blank=True)
    extent = models.CharField(max_length=300, blank=True)
    series = models.JSONField(default=list, blank=True)
    isbns = models.JSONField(default=list, blank=True, help_text="normalised ISBN-13 strings")
    issns = models.JSONField(default=list, blank=True)
    languages = models.JSONField(default=list, blank=True)
    clc = models.JSONField(default=list, blank=True)
    subjects = models.JSONField(default=list, blank=True)
    summary = models.TextField(blank=True)
    material_type = models.CharField(max_length=12, default="book")
    control_numbers = models.JSONField(default=list, blank=True)
    marc = models.BinaryField(default=bytes, help_text=_("master record, UTF-8 ISO 2709"))
    match_keys = models.JSONField(default=list, blank=True, help_text=_("keys that hold the cluster together"))
    deleted = models.BooleanField(default=False, help_text=_("no member holds it any more"))
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True, db_index=True)

    class Meta:
        verbose_name = _("union record")
        verbose_name_plural = _("union records")

    def __str__(self) -> str:
        return f"{self.urid} {self.title}"


class UnionHolding(models.Model):
    """One member's Instance in a cluster, with that member's holdings summary."""

    union_record = models.ForeignKey(UnionRecord, on_delete=models.CASCADE, related_name="holdings")
    library = models.ForeignKey(Library, on_delete=models.CASCADE, related_name="union_holdings")
    instance_id = models.BigIntegerField()
    instance_hrid = models.CharField(max_length=20, blank=True)
    call_number = models.CharField(max_length=200, blank=True)
    items_total = models.PositiveIntegerField(default=0)
    items_available = models.PositiveIntegerField(default=0, help_text=_("on the shelf now"))
    items_loanable = models.PositiveIntegerField(default=0, help_text=_("on the shelf and lendable"))
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["library", "instance_id"], name="unionholding_instance")]
        indexes = [models.Index(fields=["union_record", "library"])]


class UnionChange(models.Model):
    """Outbox of union record changes, drained by the search indexer."""

    union_record_id = models.BigIntegerField()
    created_at = models.DateTimeField(auto_now_add=True)
    processed_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["id"], condition=models.Q(processed_at__isnull=True), name="unionchange_pending"),
        ]
