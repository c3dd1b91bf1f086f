"""A member library's readers, loans and desk, stored in that library's own schema.

Readers (most of them minors) never leave this schema: the public schema knows a signed-in
reader only as an opaque account with a reader membership (``Reader.user_id``). Items are the
local catalogue's; their status changes only through ``tenants.catalogue.services.items``.
"""

from __future__ import annotations

from decimal import Decimal

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tenants.catalogue.models import Item, MaterialType

GRADE_NAMES = {
    1: _("Grade 1"), 2: _("Grade 2"), 3: _("Grade 3"), 4: _("Grade 4"), 5: _("Grade 5"), 6: _("Grade 6"),
    7: _("Grade 7"), 8: _("Grade 8"), 9: _("Grade 9"), 10: _("Grade 10"), 11: _("Grade 11"), 12: _("Grade 12"),
    13: _("College year 1"), 14: _("College year 2"), 15: _("College year 3"), 16: _("College year 4"),
}


class SchoolClass(models.Model):
    """A class of the school (三年级2班): students belong to one; a teacher may lead it."""

    grade = models.PositiveSmallIntegerField(_("grade"))
    number = models.CharField(_("class"), max_length=20, help_text=_("the class within its grade, e.g. 2"))
    teacher = models.ForeignKey("Reader", null=True, blank=True, on_delete=models.SET_NULL,
                                related_name="classes_led", verbose_name=_("class teacher"))
    active = models.BooleanField(_("active"), default=True, help_text=_("graduated classes are kept, inactive"))
    entry_year = models.PositiveSmallIntegerField(_("year of entry"), null=True, blank=True)

    class Meta:
        ordering = ["grade", "number"]
        constraints = [models.UniqueConstraint(fields=["grade", "number"], condition=models.Q(active=True),
                                               name="school_class_active_unique")]
        verbose_name = _("class")
        verbose_name_plural = _("classes")

    def __str__(self) -> str:
        grade = GRADE_NAMES.get(self.grade, self.grade)
        return _("%(grade)s class %(number)s") % {"grade": grade, "number": self.number}


class Reader(models.Model):
    """A card holder of this library: a student, a teacher or a member of staff."""

    class Kind(models.TextChoices):
        STUDENT = "student", _("Student")
        TEACHER = "teacher", _("Teacher")
        STAFF = "staff", _("Staff")
        # Another library borrowing through interlibrary loan: its loans are the ILL loans of our
        # copies (``ill`` opens them); never a person, never counted among students or sent reminders.
        LIBRARY = "library", _("Partner library (ILL)")

    class Status(models.TextChoices):
        ACTIVE = "active", _("Active")
        SUSPENDED = "suspended", _("Suspended")
        LEFT = "left", _("Left the school")

    card_number = models.CharField(_("card number"), max_length=40)
    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("reader type"), max_length=10, choices=Kind.choices, default=Kind.STUDENT)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.ACTIVE)
    school_class = models.ForeignKey(SchoolClass, null=True, blank=True, on_delete=models.SET_NULL,
                                     related_name="students", verbose_name=_("class"))
    student_number = models.CharField(_("student number"), max_length=40, blank=True)
    email = models.EmailField(_("e-mail"), blank=True, help_text=_("teachers: for overdue lists of their class"))
    # A Django password hash of the password or PIN the library set; empty: no web sign-in.
    pin_hash = models.CharField(max_length=128, blank=True)
    # The opaque public account a signed-in reader uses (no name, no e-mail in the public schema).
    user_id = models.IntegerField(null=True, blank=True)
    suspended_reason = models.CharField(_("reason for suspension"), max_length=200, blank=True)
    left_on = models.DateField(_("left on"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["card_number"]
        constraints = [
            models.UniqueConstraint(fields=["card_number"], name="reader_card_number"),
            models.UniqueConstraint(fields=["student_number"], condition=~models.Q(student_number=""),
                                    name="reader_student_number"),
            models.UniqueConstraint(fields=["user_id"], name="reader_user"),
        ]
        verbose_name = _("reader")
        verbose_name_plural = _("readers")

    def __str__(self) -> str:
        return f"{self.card_number} {self.name}"

    @property
    def is_library(self) -> bool:
        return self.kind == self.Kind.LIBRARY

    @property
    def grade(self) -> int | None:
        return self.school_class.grade if self.school_class_id else None


# The reader types that are people (the loan matrix, reader lists, cards, figures).
PERSON_KINDS = (Reader.Kind.STUDENT, Reader.Kind.TEACHER, Reader.Kind.STAFF)


class LoanRule(models.Model):
    """One cell of the loan matrix: reader type x material type (blank = any).

    The most specific rule wins: reader and material, then reader only, then material only, then
    the library's default (both blank).
    """

    reader_kind = models.CharField(_("reader type"), max_length=10, choices=Reader.Kind.choices, blank=True)
    material_type = models.CharField(_("material type"), max_length=12, choices=MaterialType.choices, blank=True)
    lendable = models.BooleanField(_("lent"), default=True, help_text=_("off: used in the library only"))
    loan_days = models.PositiveSmallIntegerField(_("loan period (days)"), default=30)
    max_items = models.PositiveSmallIntegerField(_("maximum items"), default=5)
    max_renewals = models.PositiveSmallIntegerField(_("renewals"), default=1)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["reader_kind", "material_type"], name="loan_rule_cell")]
        verbose_name = _("loan rule")
        verbose_name_plural = _("loan rules")

    def __str__(self) -> str:
        return f"{self.reader_kind or '*'} x {self.material_type or '*'}"


class CalendarPeriod(models.Model):
    """Terms, vacations, exam weeks and other closures of the school year.

    Public holidays and make-up working days come from the ``chinese_calendar`` package; these
    periods add what is the school's own.
    """

    class Kind(models.TextChoices):
        TERM = "term", _("Term")
        VACATION = "vacation", _("Vacation")
        EXAMS = "exams", _("Exam week")
        CLOSED = "closed", _("Library closed")

    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    name = models.CharField(_("name"), max_length=100)
    starts_on = models.DateField(_("from"))
    ends_on = models.DateField(_("to"))
    library_open = models.BooleanField(_("library open"), default=True,
                                       help_text=_("off: no due date falls in it and its days are not counted"))

    class Meta:
        ordering = ["starts_on", "kind"]
        constraints = [models.CheckConstraint(condition=models.Q(ends_on__gte=models.F("starts_on")),
                                              name="calendar_period_order")]
        verbose_name = _("calendar period")
        verbose_name_plural = _("calendar periods")

    def __str__(self) -> str:
        return f"{self.name} {self.starts_on}–{self.ends_on}"


class CornerBatch(models.Model):
    """A batch of items lent to a class's book corner (班级图书角) under its class teacher."""

    class Status(models.TextChoices):
        OPEN = "open", _("In the class")
        RETURNED = "returned", _("Returned")

    school_class = models.ForeignKey(SchoolClass, on_delete=models.PROTECT, related_name="corner_batches",
                                     verbose_name=_("class"))
    teacher = models.ForeignKey(Reader, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
                                verbose_name=_("class teacher"))
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.OPEN)
    lent_on = models.DateField(_("lent on"), default=timezone.localdate)
    due_on = models.DateField(_("due on"))
    returned_on = models.DateField(_("returned on"), null=True, blank=True)
    rotated_from = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
                                     verbose_name=_("rotated from"))
    note = models.CharField(_("note"), max_length=200, blank=True)
    created_by = models.CharField(max_length=150, blank=True)

    class Meta:
        ordering = ["-lent_on", "-id"]
        verbose_name = _("class corner batch")
        verbose_name_plural = _("class corner batches")

    def __str__(self) -> str:
        return f"{self.school_class} {self.lent_on}"


class Loan(models.Model):
    """An item on loan to a reader, or to a class's book corner (then ``corner`` is set)."""

    class Status(models.TextChoices):
        OPEN = "open", _("On loan")
        RETURNED = "returned", _("Returned")
        LOST = "lost", _("Lost")

    item = models.ForeignKey(Item, on_delete=models.PROTECT, related_name="loans", verbose_name=_("item"))
    reader = models.ForeignKey(Reader, null=True, blank=True, on_delete=models.PROTECT, related_name="loans",
                               verbose_name=_("reader"))
    corner = models.ForeignKey(CornerBatch, null=True, blank=True, on_delete=models.PROTECT, related_name="loans",
                               verbose_name=_("class corner"))
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.OPEN)
    loaned_at = models.DateTimeField(_("lent at"), default=timezone.now)
    due_on = models.DateField(_("due on"))
    returned_at = models.DateTimeField(_("returned at"), null=True, blank=True)
    renewals = models.PositiveSmallIntegerField(_("renewals"), default=0)
    rule = models.JSONField(_("rule applied"), default=dict, blank=True)
    reminded_at = models.DateTimeField(null=True, blank=True)
    lent_by = models.CharField(_("lent by"), max_length=150, blank=True)
    returned_by = models.CharField(_("returned by"), max_length=150, blank=True)

    class Meta:
        ordering = ["-loaned_at", "-id"]
        constraints = [
            # The database's own guarantee that an item is never on two loans at once.
            models.UniqueConstraint(fields=["item"], condition=models.Q(status="open"), name="loan_one_open_per_item"),
            models.CheckConstraint(condition=models.Q(reader__isnull=False) | models.Q(corner__isnull=False),
                                   name="loan_has_borrower"),
        ]
        indexes = [models.Index(fields=["status", "due_on"]), models.Index(fields=["reader", "status"])]
        verbose_name = _("loan")
        verbose_name_plural = _("loans")

    def __str__(self) -> str:
        return f"{self.item_id} -> {self.reader_id or self.corner_id} ({self.status})"


class DeskEvent(models.Model):
    """Every desk action, allowed or refused, with who did it (student helpers by name)."""

    class Action(models.TextChoices):
        CHECK_OUT = "check_out", _("Check out")
        CHECK_IN = "check_in", _("Check in")
        RENEW = "renew", _("Renew")
        CORNER = "corner", _("Class corner")
        STOCKTAKE = "stocktake", _("Stocktake scan")
        CHARGE = "charge", _("Charge")
        READER = "reader", _("Reader data")

    action = models.CharField(_("action"), max_length=12, choices=Action.choices)
    ok = models.BooleanField(_("done"))
    code = models.CharField(_("outcome"), max_length=40, blank=True)
    message = models.TextField(_("message"), blank=True)
    item_barcode = models.CharField(_("item"), max_length=60, blank=True)
    card_number = models.CharField(_("card"), max_length=40, blank=True)
    loan = models.ForeignKey(Loan, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    actor_id = models.IntegerField(null=True, blank=True)
    actor_name = models.CharField(_("by"), max_length=150, blank=True)
    actor_role = models.CharField(max_length=20, blank=True)
    at = models.DateTimeField(_("at"), default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("desk event")
        verbose_name_plural = _("desk events")

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.action} {self.item_barcode}"


class CirculationPolicy(models.Model):
    """The library's one row of circulation settings (created with defaults on first use)."""

    class LossPolicy(models.TextChoices):
        PRICE = "price", _("The item's price")
        FACTOR = "factor", _("The price times a factor")
        REPLACEMENT = "replacement", _("A replacement copy")

    loss_policy = models.CharField(_("lost items"), max_length=12, choices=LossPolicy.choices,
                                   default=LossPolicy.PRICE)
    loss_factor = models.DecimalField(_("factor"), max_digits=4, decimal_places=2, default=Decimal("2.00"))
    damage_share = models.DecimalField(_("damaged items: share of the price"), max_digits=4, decimal_places=2,
                                       default=Decimal("0.50"))
    default_price = models.DecimalField(_("price of items without one"), max_digits=8, decimal_places=2,
                                        default=Decimal("30.00"))
    block_when_overdue = models.BooleanField(_("no loans while items are overdue"), default=True)
    remind_after_days = models.PositiveSmallIntegerField(_("first reminder after (open days)"), default=1)
    remind_every_days = models.PositiveSmallIntegerField(_("repeat reminders every (days)"), default=7)

    class Meta:
        verbose_name = _("circulation policy")
        verbose_name_plural = _("circulation policies")

    def __str__(self) -> str:
        return str(_("circulation policy"))

    @classmethod
    def current(cls) -> CirculationPolicy:
        policy = cls.objects.order_by("pk").first()
        return policy or cls.objects.create()


class Charge(models.Model):
    """A line of the charges ledger: compensation for a lost or damaged item, paid or waived."""

    class Kind(models.TextChoices):
        LOST = "lost", _("Lost item")
        DAMAGED = "damaged", _("Damaged item")
        OTHER = "other", _("Other")

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        PAID = "paid", _("Paid")
        REPLACED = "replaced", _("Replaced by a copy")
        WAIVED = "waived", _("Waived")

    reader = models.ForeignKey(Reader, null=True, blank=True, on_delete=models.PROTECT, related_name="charges")
    school_class = models.ForeignKey(SchoolClass, null=True, blank=True, on_delete=models.PROTECT,
                                     related_name="charges")
    item = models.ForeignKey(Item, null=True, blank=True, on_delete=models.SET_NULL, related_name="charges")
    loan = models.ForeignKey(Loan, null=True, blank=True, on_delete=models.SET_NULL, related_name="charges")
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    policy = models.CharField(_("policy"), max_length=12, choices=CirculationPolicy.LossPolicy.choices, blank=True)
    amount = models.DecimalField(_("amount"), max_digits=8, decimal_places=2)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.OPEN)
    note = models.CharField(_("note"), max_length=300, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.CharField(max_length=150, blank=True)
    settled_at = models.DateTimeField(null=True, blank=True)
    settled_by = models.CharField(max_length=150, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("charge")
        verbose_name_plural = _("charges")

    def __str__(self) -> str:
        return f"{self.kind} {self.amount} ({self.status})"


class Stocktake(models.Model):
    """A stocktaking session: the items expected on the shelves are frozen when it starts."""

    class Status(models.TextChoices):
        OPEN = "open", _("Scanning")
        CLOSED = "closed", _("Closed")

    name = models.CharField(_("name"), max_length=100)
    location = models.CharField(_("location"), max_length=100, blank=True, help_text=_("blank: the whole library"))
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.OPEN)
    started_at = models.DateTimeField(default=timezone.now)
    closed_at = models.DateTimeField(null=True, blank=True)
    started_by = models.CharField(max_length=150, blank=True)

    class Meta:
        ordering = ["-started_at"]
        verbose_name = _("stocktake")
        verbose_name_plural = _("stocktakes")

    def __str__(self) -> str:
        return self.name


class StocktakeExpected(models.Model):
    """An item the stocktake expects: on the shelf, or (listed apart) on loan when it started."""

    stocktake = models.ForeignKey(Stocktake, on_delete=models.CASCADE, related_name="expected")
    item = models.ForeignKey(Item, on_delete=models.CASCADE, related_name="+")
    location = models.CharField(max_length=100, blank=True)
    call_number = models.CharField(max_length=200, blank=True)
    on_loan = models.BooleanField(default=False)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["stocktake", "item"], name="stocktake_expected_item")]

    def __str__(self) -> str:
        return f"{self.stocktake_id}:{self.item_id}"


class StocktakeScan(models.Model):
    """One barcode scanned during a stocktake, on a shelf."""

    stocktake = models.ForeignKey(Stocktake, on_delete=models.CASCADE, related_name="scans")
    barcode = models.CharField(max_length=60)
    item = models.ForeignKey(Item, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    shelf = models.CharField(_("shelf"), max_length=100, blank=True)
    scanned_at = models.DateTimeField(default=timezone.now)
    scanned_by = models.CharField(max_length=150, blank=True)

    class Meta:
        ordering = ["scanned_at", "id"]
        indexes = [models.Index(fields=["stocktake", "barcode"])]

    def __str__(self) -> str:
        return f"{self.stocktake_id}:{self.barcode}"


class Withdrawal(models.Model):
    """A line of the withdrawal ledger (注销帐): an item taken out of the collection, and why."""

    class Reason(models.TextChoices):
        WORN = "worn", _("Worn out")
        DAMAGED = "damaged", _("Damaged beyond repair")
        LOST = "lost", _("Lost")
        OUTDATED = "outdated", _("Outdated content")
        DUPLICATE = "duplicate", _("Surplus copy")
        UNSUITABLE = "unsuitable", _("Unsuitable for readers")
        OTHER = "other", _("Other")

    item = models.ForeignKey(Item, null=True, blank=True, on_delete=models.SET_NULL, related_name="withdrawals")
    batch = models.CharField(_("withdrawal list number"), max_length=40, blank=True)
    barcode = models.CharField(_("barcode"), max_length=60, blank=True)
    title = models.TextField(_("title"))
    call_number = models.CharField(_("call number"), max_length=200, blank=True)
    clc_class = models.CharField(_("CLC class"), max_length=2, blank=True)
    price = models.DecimalField(_("price"), max_digits=10, decimal_places=2, null=True, blank=True)
    reason = models.CharField(_("reason"), max_length=12, choices=Reason.choices)
    note = models.CharField(_("note"), max_length=300, blank=True)
    withdrawn_on = models.DateField(_("withdrawn on"), default=timezone.localdate)
    withdrawn_by = models.CharField(_("by"), max_length=150, blank=True)

    class Meta:
        ordering = ["-withdrawn_on", "-id"]
        verbose_name = _("withdrawal")
        verbose_name_plural = _("withdrawals")

    def __str__(self) -> str:
        return f"{self.barcode} {self.title}"
