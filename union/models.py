"""The union catalogue (public schema): one UnionRecord per edition, linked to every member's
local Instance of it through UnionHolding, which also carries that member's holdings summary.

A UnionRecord's denormalised bibliographic fields are those of its master record; search
indexes them. Each change to a UnionRecord is written to the UnionChange outbox, drained by
the search indexer.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from core import outbox
from core.workflow import TransitionRecord
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
    # Matching state of the member record: its normalised match data, the summary of its
    # bibliographic fields (master choice, quality report, drift check) and why it joined.
    match_data = models.JSONField(default=dict, blank=True)
    record = models.JSONField(default=dict, blank=True)
    matched_on = models.JSONField(default=dict, blank=True, help_text=_("keys and guards when it joined"))
    source_rank = models.PositiveSmallIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["library", "instance_id"], name="unionholding_instance")]
        indexes = [models.Index(fields=["union_record", "library"])]

    def __str__(self) -> str:
        return f"{self.library_id}/{self.instance_id} -> {self.union_record_id}"


class UnionChange(outbox.OutboxRow):
    """Outbox of union record changes, drained by the search indexer."""

    union_record_id = models.BigIntegerField()

    class Meta:
        indexes = outbox.outbox_indexes("unionchange")

    def __str__(self) -> str:
        return f"union record {self.union_record_id}"


# --- Clustering state ------------------------------------------------------------------------
# (Added after 0001; UnionHolding's matching state lives in its own fields below.)


class UnionMatchKey(models.Model):
    """A blocking key of one member record (ISBN, ISSN, 035 number, fingerprint, title+author)."""

    holding = models.ForeignKey(UnionHolding, on_delete=models.CASCADE, related_name="keys")
    key = models.CharField(max_length=80, db_index=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["holding", "key"], name="unionmatchkey_unique")]

    def __str__(self) -> str:
        return self.key


class ClusterDecision(models.Model):
    """A coordinator's decision about two member records, kept across rebuilds.

    ``together``: keep in one union record (a merge); ``apart``: never in one (a split);
    ``pin``: the first record is its union record's master.
    """

    class Kind(models.TextChoices):
        TOGETHER = "together", _("keep together")
        APART = "apart", _("keep apart")
        PIN = "pin", _("pinned master")

    kind = models.CharField(max_length=10, choices=Kind.choices)
    library_a = models.ForeignKey(Library, on_delete=models.CASCADE, related_name="+")
    instance_a = models.BigIntegerField()
    library_b = models.ForeignKey(Library, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    instance_b = models.BigIntegerField(null=True, blank=True)
    note = models.TextField(blank=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [models.Index(fields=["library_a", "instance_a"]), models.Index(fields=["library_b", "instance_b"])]

    def __str__(self) -> str:
        return f"{self.kind} {self.library_a_id}/{self.instance_a}"


class WrongMatchKey(models.Model):
    """An identifier known to be wrong (an ISBN printed on several books): never a match key."""

    key = models.CharField(max_length=80, unique=True)
    note = models.TextField(blank=True)
    marked_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.key


class MatchReview(models.Model):
    """An uncertain match for a coordinator to decide: merge it or keep it apart."""

    class Status(models.TextChoices):
        OPEN = "open", _("open")
        MERGED = "merged", _("merged")
        KEPT_APART = "apart", _("kept apart")
        OBSOLETE = "obsolete", _("no longer relevant")

    library = models.ForeignKey(Library, on_delete=models.CASCADE, related_name="+")
    instance_id = models.BigIntegerField()
    union_record = models.ForeignKey(UnionRecord, on_delete=models.CASCADE, related_name="+",
                                     help_text=_("where the record is now"))
    candidate = models.ForeignKey(UnionRecord, on_delete=models.CASCADE, related_name="review_candidates")
    candidate_library = models.ForeignKey(Library, on_delete=models.CASCADE, related_name="+")
    candidate_instance_id = models.BigIntegerField()
    score = models.FloatField(default=0)
    explanation = models.JSONField(default=dict)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN, db_index=True)
    resolved_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+")
    resolved_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["library", "instance_id", "candidate_library", "candidate_instance_id"],
                name="matchreview_pair",
            )
        ]

    def __str__(self) -> str:
        return f"{self.library_id}/{self.instance_id} ~ {self.candidate_id}"


class MatchReviewStatusChange(TransitionRecord):
    """Every resolution of a match review: by a coordinator, or by the system when it became moot."""

    subject = models.ForeignKey(MatchReview, on_delete=models.CASCADE, related_name="status_changes")

    class Meta(TransitionRecord.Meta):
        verbose_name = _("match review status change")
        verbose_name_plural = _("match review status changes")


# --- Shared cataloguing ----------------------------------------------------------------------


class UnionRecordVersion(models.Model):
    """Every version of a union record's bibliographic data: who, when and what changed."""

    union_record = models.ForeignKey(UnionRecord, on_delete=models.CASCADE, related_name="versions")
    version = models.PositiveIntegerField()
    data = models.JSONField(default=dict)
    changes = models.JSONField(default=dict, help_text="field -> [old, new]")
    change_kind = models.CharField(max_length=20, default="sync")
    changed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    library = models.ForeignKey(Library, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["union_record", "version"]
        constraints = [models.UniqueConstraint(fields=["union_record", "version"], name="unionrecordversion_unique")]

    def __str__(self) -> str:
        return f"{self.union_record_id} v{self.version}"


class ConsortiumPolicy(models.Model):
    """Consortium-wide settings of shared cataloguing (one row)."""

    class Approval(models.TextChoices):
        OWNER_OR_COORDINATOR = "owner_or_coordinator", _("the master record's library or a coordinator")
        OWNER = "owner", _("the master record's library only")
        COORDINATOR = "coordinator", _("a coordinator only")

    proposal_approval = models.CharField(max_length=24, choices=Approval.choices,
                                         default=Approval.OWNER_OR_COORDINATOR)
    lock_minutes = models.PositiveIntegerField(default=30)

    def __str__(self) -> str:
        return self.proposal_approval

    @classmethod
    def current(cls) -> ConsortiumPolicy:
        policy = cls.objects.order_by("pk").first()
        return policy or cls.objects.create()


class Proposal(models.Model):
    """A proposed field-level change to a union record's master record."""

    class Status(models.TextChoices):
        PENDING = "pending", _("pending")
        ACCEPTED = "accepted", _("accepted")
        REJECTED = "rejected", _("rejected")

    union_record = models.ForeignKey(UnionRecord, on_delete=models.CASCADE, related_name="proposals")
    base_version = models.PositiveIntegerField()
    changes = models.JSONField(help_text="field -> [old, new]")
    comment = models.TextField(blank=True)
    proposed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    library = models.ForeignKey(Library, on_delete=models.CASCADE, related_name="+")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING, db_index=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"proposal {self.pk} on {self.union_record_id}"


class ProposalStatusChange(TransitionRecord):
    """Every decision on a proposal: who accepted or rejected it, when and why."""

    subject = models.ForeignKey(Proposal, on_delete=models.CASCADE, related_name="status_changes")

    class Meta(TransitionRecord.Meta):
        verbose_name = _("proposal status change")
        verbose_name_plural = _("proposal status changes")


class EditLock(models.Model):
    """A union record being edited by one cataloguer; others get a clear message until it expires."""

    union_record = models.OneToOneField(UnionRecord, on_delete=models.CASCADE, related_name="lock")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    library = models.ForeignKey(Library, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    acquired_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.union_record_id} locked by {self.user_id}"
