"""The local catalogue of one member library, stored in that library's schema.

Names follow FOLIO inventory: an Instance (the bibliographic record) has HoldingsRecords
(a location and call number) which have Items (the physical copies). Each has a readable
``hrid`` beside its id. Item status is a closed set that circulation drives.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from core.workflow import TransitionRecord


class RecordFormat(models.TextChoices):
    MARC21 = "marc21", "MARC 21"
    UNIMARC = "unimarc", "CNMARC/UNIMARC"


class MaterialType(models.TextChoices):
    BOOK = "book", _("Book")
    SERIAL = "serial", _("Serial")
    MUSIC_SCORE = "score", _("Music score")
    MAP = "map", _("Map")
    VIDEO = "video", _("Video")
    AUDIO = "audio", _("Sound recording")
    ELECTRONIC = "electronic", _("Electronic resource")
    MANUSCRIPT = "manuscript", _("Manuscript")
    MIXED = "mixed", _("Mixed materials")
    OTHER = "other", _("Other")
    # A copy borrowed from another library through ILL, catalogued briefly while it is here
    # (suppressed from discovery); loan rules for ILL items name this type.
    ILL = "ill", _("Borrowed through ILL")


class Instance(models.Model):
    hrid = models.CharField(max_length=20)
    control_number = models.CharField(
        _("control number"), max_length=100, blank=True, help_text=_("001 of the source record")
    )
    record_format = models.CharField(max_length=10, choices=RecordFormat.choices)
    title = models.TextField(_("title"))
    other_title = models.TextField(_("other title information"), blank=True)
    parallel_titles = models.JSONField(default=list, blank=True)
    volume = models.CharField(_("part or volume"), max_length=200, blank=True)
    responsibility = models.TextField(_("statement of responsibility"), blank=True)
    authors = models.JSONField(default=list, blank=True, help_text="[{name, role, type: personal|corporate}]")
    edition = models.CharField(_("edition"), max_length=300, blank=True)
    publisher = models.CharField(_("publisher"), max_length=300, blank=True)
    place = models.CharField(_("place of publication"), max_length=300, blank=True)
    year = models.IntegerField(_("year"), null=True, blank=True)
    extent = models.CharField(_("extent"), max_length=300, blank=True)
    series = models.JSONField(default=list, blank=True)
    isbns = models.JSONField(default=list, blank=True, help_text="[{value, isbn13, valid, qualifier}]")
    issns = models.JSONField(default=list, blank=True)
    languages = models.JSONField(default=list, blank=True)
    clc = models.JSONField(default=list, blank=True, help_text=_("Chinese Library Classification numbers"))
    ddc = models.JSONField(default=list, blank=True)
    lcc = models.JSONField(default=list, blank=True)
    subjects = models.JSONField(default=list, blank=True)
    summary = models.TextField(_("summary"), blank=True)
    material_type = models.CharField(max_length=12, choices=MaterialType.choices, default=MaterialType.BOOK)
    control_numbers = models.JSONField(default=list, blank=True, help_text="[{type, value}] from 001/035/...")
    price = models.CharField(_("price"), max_length=100, blank=True)
    encoding_level = models.CharField(max_length=2, blank=True)
    # The source record as received, converted to UTF-8 ISO 2709, for faithful export.
    raw_record = models.BinaryField()
    source_encoding = models.CharField(max_length=20, blank=True)
    fingerprint = models.CharField(max_length=64, help_text="hash of the mapped data")
    discovery_suppress = models.BooleanField(default=False)
    deleted = models.BooleanField(default=False, help_text=_("withdrawn (leader/05 = d)"))
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        # Unique constraints rather than unique fields: PostgreSQL then keeps one index per key,
        # without the extra pattern-matching index (every index costs each imported row).
        constraints = [
            models.UniqueConstraint(fields=["hrid"], name="instance_hrid"),
            models.UniqueConstraint(
                fields=["control_number"], condition=~models.Q(control_number=""), name="instance_control_number"
            ),
        ]
        verbose_name = _("instance")
        verbose_name_plural = _("instances")

    def __str__(self) -> str:
        return self.title


class HoldingsRecord(models.Model):
    hrid = models.CharField(max_length=20)
    instance = models.ForeignKey(Instance, on_delete=models.CASCADE, related_name="holdings")
    location = models.CharField(_("location"), max_length=100, blank=True)
    call_number = models.CharField(_("call number"), max_length=200, blank=True)
    notes = models.TextField(blank=True)
    discovery_suppress = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["hrid"], name="holdings_hrid")]
        verbose_name = _("holdings record")
        verbose_name_plural = _("holdings records")

    def __str__(self) -> str:
        return f"{self.hrid} {self.call_number}"


class ItemStatus(models.TextChoices):
    """The closed set of item states; circulation and ILL move items between them."""

    AVAILABLE = "available", _("Available")
    CHECKED_OUT = "checked_out", _("Checked out")
    IN_TRANSIT = "in_transit", _("In transit")
    AWAITING_PICKUP = "awaiting_pickup", _("Awaiting pickup")
    ON_ILL_LOAN = "on_ill_loan", _("Lent through ILL")
    IN_PROCESS = "in_process", _("In process")
    ON_ORDER = "on_order", _("On order")
    MISSING = "missing", _("Missing")
    LOST = "lost", _("Lost")
    DAMAGED = "damaged", _("Damaged")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class Item(models.Model):
    hrid = models.CharField(max_length=20)
    holdings = models.ForeignKey(HoldingsRecord, on_delete=models.CASCADE, related_name="items")
    # NULL, not "", for items without a barcode: the unique constraint allows many NULLs.
    barcode = models.CharField(_("barcode"), max_length=60, null=True, blank=True)  # noqa: DJ001
    status = models.CharField(_("status"), max_length=20, choices=ItemStatus.choices, default=ItemStatus.AVAILABLE)
    reference_only = models.BooleanField(_("reference only"), default=False, help_text=_("never lent"))
    volume = models.CharField(_("volume"), max_length=100, blank=True)
    copy_number = models.CharField(_("copy number"), max_length=20, blank=True)
    price = models.DecimalField(_("price"), max_digits=10, decimal_places=2, null=True, blank=True)
    acquired_on = models.DateField(_("acquisition date"), null=True, blank=True)
    discovery_suppress = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["hrid"], name="item_hrid"),
            models.UniqueConstraint(fields=["barcode"], name="item_barcode"),
        ]
        indexes = [models.Index(fields=["status"])]
        verbose_name = _("item")
        verbose_name_plural = _("items")

    def __str__(self) -> str:
        return f"{self.hrid} {self.barcode or ''}"

    @property
    def available(self) -> bool:
        from tenants.catalogue.workflow import is_available

        return is_available(self.status)

    @property
    def loanable(self) -> bool:
        from tenants.catalogue.workflow import is_loanable

        return is_loanable(self.status, self.reference_only)


class ItemStatusChange(TransitionRecord):
    """Every change of an item's status: from, to, by which action, who, when and why."""

    subject = models.ForeignKey(Item, on_delete=models.CASCADE, related_name="status_changes")

    class Meta(TransitionRecord.Meta):
        verbose_name = _("item status change")
        verbose_name_plural = _("item status changes")
