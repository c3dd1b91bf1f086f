"""Import jobs, quarantined records and OAI-PMH harvest state of one member library.

These live in the member's schema, next to its local catalogue.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from core.workflow import TransitionRecord

COUNT_FIELDS = ("created", "updated", "unchanged", "deleted", "rejected")


class ImportJob(models.Model):
    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Running")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")

    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.QUEUED)
    source_name = models.CharField(_("source"), max_length=500, blank=True)
    file = models.FileField(upload_to="imports/%Y/%m/", blank=True, max_length=500)
    format = models.CharField(_("format"), max_length=10, default="auto")
    encoding = models.CharField(_("encoding"), max_length=10, default="auto")
    profile = models.CharField(_("holdings profile"), max_length=40, blank=True)
    detected_format = models.CharField(max_length=10, blank=True)
    total_bytes = models.BigIntegerField(default=0)
    processed_bytes = models.BigIntegerField(default=0)
    read = models.IntegerField(_("read"), default=0)
    created = models.IntegerField(_("created"), default=0)
    updated = models.IntegerField(_("updated"), default=0)
    unchanged = models.IntegerField(_("unchanged"), default=0)
    deleted = models.IntegerField(_("deleted"), default=0)
    rejected = models.IntegerField(_("rejected"), default=0)
    holdings_created = models.IntegerField(default=0)
    items_created = models.IntegerField(default=0)
    error = models.TextField(blank=True)
    created_by_id = models.IntegerField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-id"]
        verbose_name = _("import job")
        verbose_name_plural = _("import jobs")

    def __str__(self) -> str:
        return f"#{self.pk} {self.source_name}"

    @property
    def progress(self) -> float:
        """Share of the input processed, 0..100."""
        if self.status == self.Status.DONE:
            return 100.0
        if not self.total_bytes:
            return 0.0
        return round(min(100.0, 100.0 * self.processed_bytes / self.total_bytes), 1)

    @property
    def finished(self) -> bool:
        return self.status in (self.Status.DONE, self.Status.FAILED)

    def counts(self) -> dict:
        return {"read": self.read, **{name: getattr(self, name) for name in COUNT_FIELDS}, "job": self.pk}


class ImportJobStatusChange(TransitionRecord):
    """Every change of an import job's status; a job is claimed by exactly one worker."""

    subject = models.ForeignKey(ImportJob, on_delete=models.CASCADE, related_name="status_changes")

    class Meta(TransitionRecord.Meta):
        verbose_name = _("import job status change")
        verbose_name_plural = _("import job status changes")


class QuarantinedRecord(models.Model):
    """A record that could not be imported: its bytes as received, where it was and why."""

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        RESOLVED = "resolved", _("Resolved")

    job = models.ForeignKey(ImportJob, on_delete=models.CASCADE, related_name="quarantined")
    position = models.IntegerField(_("position"), help_text=_("1-based number of the record in the file"))
    offset = models.BigIntegerField(_("offset"), null=True, blank=True, help_text=_("byte offset of the record in the file"))
    raw = models.BinaryField()
    raw_kind = models.CharField(max_length=8, default="iso2709")  # iso2709 | xml
    reason = models.TextField(_("reason"))
    control_number = models.CharField(max_length=100, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    resolved_by_job = models.ForeignKey(
        ImportJob, null=True, blank=True, on_delete=models.SET_NULL, related_name="resolves"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["job_id", "position"]
        verbose_name = _("quarantined record")
        verbose_name_plural = _("quarantined records")

    def __str__(self) -> str:
        return f"{self.job_id}/{self.position}: {self.reason}"

    def filename(self) -> str:
        ext = "xml" if self.raw_kind == "xml" else "mrc"
        return f"job{self.job_id}-record{self.position}.{ext}"


class HarvestState(models.Model):
    """Where the last OAI-PMH harvest of one endpoint stopped (the newest datestamp seen)."""

    url = models.URLField(max_length=500)
    metadata_prefix = models.CharField(max_length=40, default="marc21")
    set_spec = models.CharField(max_length=200, blank=True)
    last_datestamp = models.CharField(max_length=40, blank=True)
    last_job = models.ForeignKey(ImportJob, null=True, blank=True, on_delete=models.SET_NULL)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["url", "metadata_prefix", "set_spec"], name="harvest_state_endpoint")
        ]

    def __str__(self) -> str:
        return f"{self.url} ({self.metadata_prefix}) {self.last_datestamp}"
