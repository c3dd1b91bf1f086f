"""Interlibrary loan and document delivery between members and with outside peers (public schema).

Each request has two sides, as in ISO 18626: the borrowing library's ``IllRequest`` (the
requester) and, for every lender asked in turn, that lender's ``Supply`` (the supplier). Both sides
are state machines (``ill.workflow``); every change is an ISO 18626 message from one side to the
other, delivered in-process between members and over HTTP to peers (``IllMessage`` keeps them).

The reader's identity stays with the borrowing library: a request holds only the reader's row id in
that library's schema and the opaque account id; a lender sees the borrowing library and the
request number.
"""

from __future__ import annotations

from decimal import Decimal

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.workflow import TransitionRecord
from tenants.models import Library, Region
from union.models import UnionRecord


class ServiceType(models.TextChoices):
    LOAN = "Loan", _("Loan")
    COPY = "Copy", _("Copy (document delivery)")
    COPY_OR_LOAN = "CopyOrLoan", _("Copy or loan")


class IllPolicy(models.Model):
    """The consortium's ILL policy: one row, created with defaults on first use (``current()``)."""

    approval_required = models.BooleanField(
        _("borrowing library approves readers' requests"), default=True,
        help_text=_("the default for libraries that have not chosen"))
    answer_open_days = models.PositiveSmallIntegerField(
        _("days a lender has to answer"), default=2,
        help_text=_("counted in the lender's open days; then the request moves on"))
    loan_days = models.PositiveSmallIntegerField(_("ILL loan period (days)"), default=28)
    return_margin_days = models.PositiveSmallIntegerField(
        _("days kept for the return journey"), default=3,
        help_text=_("the reader's due date is this many days before the lender's"))
    max_renewals = models.PositiveSmallIntegerField(_("renewals a lender grants"), default=1)
    copy_link_days = models.PositiveSmallIntegerField(_("days a copy can be downloaded"), default=30)
    copy_max_downloads = models.PositiveSmallIntegerField(_("downloads of a copy"), default=5)
    copy_max_megabytes = models.PositiveSmallIntegerField(_("largest scan (MB)"), default=50)
    stuck_days = models.PositiveSmallIntegerField(
        _("flag requests unchanged for (days)"), default=5)
    # Rota weights: points each factor can add; the reasons shown to staff name each one.
    weight_same_district = models.PositiveSmallIntegerField(_("points: same district"), default=30)
    weight_same_city = models.PositiveSmallIntegerField(_("points: same city"), default=15)
    weight_available = models.PositiveSmallIntegerField(_("points: copy on the shelf now"), default=40)
    weight_balance = models.PositiveSmallIntegerField(_("points: lent less than borrowed (90 days)"), default=15)
    weight_reciprocity = models.PositiveSmallIntegerField(_("points: borrowed from us (90 days)"), default=10)
    penalty_per_courier_day = models.PositiveSmallIntegerField(_("points off per courier day"), default=5)
    lenders_of_last_resort = models.ManyToManyField(
        Library, blank=True, related_name="+", verbose_name=_("lenders of last resort"),
        help_text=_("asked after every other lender, e.g. a provincial centre"))
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("ILL policy")
        verbose_name_plural = _("ILL policies")

    def __str__(self) -> str:
        return str(_("ILL policy"))

    @classmethod
    def current(cls) -> IllPolicy:
        policy = cls.objects.order_by("pk").first()
        return policy if policy is not None else cls.objects.create()


class LibraryIllSettings(models.Model):
    """A member's own ILL settings (created with defaults on first use, ``for_library``)."""

    library = models.OneToOneField(Library, on_delete=models.CASCADE, related_name="ill_settings")
    approval_required = models.BooleanField(
        _("approve readers' requests before they go out"), null=True, blank=True,
        help_text=_("empty: the consortium's default"))
    auto_respond = models.BooleanField(
        _("answer incoming requests at once from live availability"), default=False)
    pickup_points = models.JSONField(_("pickup points"), default=list, blank=True)
    courier_days = models.PositiveSmallIntegerField(_("courier days to other members"), default=2)
    notify_email = models.EmailField(_("ILL e-mail"), blank=True)

    class Meta:
        verbose_name = _("library ILL settings")
        verbose_name_plural = _("library ILL settings")

    def __str__(self) -> str:
        return str(self.library)

    @classmethod
    def for_library(cls, library: Library) -> LibraryIllSettings:
        found, _created = cls.objects.get_or_create(library=library)
        return found

    def needs_approval(self, policy: IllPolicy | None = None) -> bool:
        if self.approval_required is not None:
            return self.approval_required
        return (policy or IllPolicy.current()).approval_required


class Peer(models.Model):
    """Another ILL system (another consortium, a ReShare tenant, a Koha library) we exchange with.

    A message is accepted from a peer only with its secret (``Authorization: Bearer``) and, when an
    allow-list is set, from one of its addresses; messages to it carry ``outbound_secret``.
    """

    class Version(models.TextChoices):
        V2017 = "2017", _("ISO 18626:2017 (schema 1.2)")
        V2021 = "2021", _("ISO 18626:2021")

    name = models.CharField(_("name"), max_length=200)
    agency_id_type = models.CharField(_("agency ID type"), max_length=30, default="ISIL")
    agency_id = models.CharField(_("agency ID"), max_length=60)
    endpoint = models.URLField(_("ISO 18626 endpoint"), max_length=500)
    version = models.CharField(_("schema version"), max_length=4, choices=Version.choices, default=Version.V2017)
    # A Django password hash of the secret the peer sends us (the secret itself is not kept).
    inbound_secret_hash = models.CharField(max_length=200, blank=True)
    outbound_secret = models.CharField(_("secret we send"), max_length=200, blank=True)
    allowed_addresses = models.JSONField(_("allowed addresses"), default=list, blank=True,
                                         help_text=_("IP addresses or networks; empty: any"))
    lends = models.BooleanField(_("lends to our members"), default=True)
    borrows = models.BooleanField(_("borrows from our members"), default=True)
    region = models.ForeignKey(Region, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
                               verbose_name=_("region"))
    courier_days = models.PositiveSmallIntegerField(_("courier days"), default=4)
    active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["agency_id_type", "agency_id"], name="peer_agency")]
        verbose_name = _("ILL peer")
        verbose_name_plural = _("ILL peers")

    def __str__(self) -> str:
        return self.name

    def set_inbound_secret(self, secret: str) -> None:
        from django.contrib.auth.hashers import make_password

        self.inbound_secret_hash = make_password(secret)

    def check_inbound_secret(self, secret: str) -> bool:
        from django.contrib.auth.hashers import check_password

        return bool(secret) and bool(self.inbound_secret_hash) and check_password(secret, self.inbound_secret_hash)


class IllRequest(models.Model):
    """The borrowing library's side of one request (ISO 18626: the requesting agency)."""

    class Status(models.TextChoices):
        AWAITING_APPROVAL = "awaiting_approval", _("Awaiting approval")
        SOURCING = "sourcing", _("Finding a lender")
        REQUESTED = "requested", _("Sent to a lender")
        EXPECT_TO_SUPPLY = "expect_to_supply", _("Lender expects to supply")
        CONDITION = "condition", _("Lender asks to accept a condition")
        WILL_SUPPLY = "will_supply", _("Lender will supply")
        SHIPPED = "shipped", _("Shipped by the lender")
        RECEIVED = "received", _("Received at our desk")
        WITH_READER = "with_reader", _("Lent to the reader")
        RETURNED_BY_READER = "returned_by_reader", _("Returned by the reader")
        RETURN_SHIPPED = "return_shipped", _("Shipped back to the lender")
        COMPLETED = "completed", _("Completed")
        COPY_DELIVERED = "copy_delivered", _("Copy delivered")
        END_OF_ROTA = "end_of_rota", _("No lender could supply")
        CANCEL_PENDING = "cancel_pending", _("Cancellation asked")
        CANCELLED = "cancelled", _("Cancelled")
        REJECTED = "rejected", _("Not approved")
        LOST = "lost", _("Lost at our library")
        COMPLETED_WITHOUT_RETURN = "completed_without_return", _("Completed without return")

    number = models.CharField(_("request number"), max_length=20, unique=True)
    borrower = models.ForeignKey(Library, on_delete=models.PROTECT, related_name="ill_requests_made",
                                 verbose_name=_("borrowing library"))
    # The reader in the borrowing library's own schema (row id) and their opaque public account.
    reader_id = models.IntegerField(null=True, blank=True)
    reader_user_id = models.IntegerField(null=True, blank=True, db_index=True)
    union_record = models.ForeignKey(UnionRecord, null=True, blank=True, on_delete=models.SET_NULL,
                                     related_name="ill_requests", verbose_name=_("union record"))
    # What was asked for, as sent in bibliographicInfo (a snapshot: the union record may change).
    bib = models.JSONField(_("item asked for"), default=dict)
    service_type = models.CharField(_("service"), max_length=10, choices=ServiceType.choices,
                                    default=ServiceType.LOAN)
    needed_by = models.DateField(_("needed by"), null=True, blank=True)
    pickup_point = models.CharField(_("pickup point"), max_length=200, blank=True)
    note = models.TextField(_("note to the lender"), blank=True)
    staff_note = models.TextField(_("note for our staff"), blank=True)
    pages = models.CharField(_("pages wanted"), max_length=100, blank=True, help_text=_("copies: e.g. 12-30"))
    part_title = models.CharField(_("chapter or article"), max_length=300, blank=True)
    max_cost = models.DecimalField(_("maximum cost (CNY)"), max_digits=8, decimal_places=2, null=True, blank=True)
    status = models.CharField(_("status"), max_length=30, choices=Status.choices, default=Status.SOURCING,
                              db_index=True)
    # The lender asked now: a member (``lender``) or a peer (``lender_peer``), and what it last said.
    lender = models.ForeignKey(Library, null=True, blank=True, on_delete=models.PROTECT,
                               related_name="ill_requests_lent", verbose_name=_("lender"))
    lender_peer = models.ForeignKey(Peer, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                                    verbose_name=_("lending peer"))
    supplier_request_id = models.CharField(max_length=60, blank=True)
    supplier_status = models.CharField(_("lender's status"), max_length=30, blank=True)
    lender_due_on = models.DateField(_("due back at the lender"), null=True, blank=True)
    loan_condition = models.CharField(_("loan condition"), max_length=60, blank=True)
    condition_note = models.TextField(blank=True)
    recalled = models.BooleanField(_("recalled by the lender"), default=False)
    renewal_pending = models.BooleanField(default=False)
    # The temporary item and loan in the borrowing library's schema once received.
    temp_item_id = models.BigIntegerField(null=True, blank=True)
    temp_barcode = models.CharField(max_length=60, blank=True)
    reader_loan_id = models.BigIntegerField(null=True, blank=True)
    placed_by = models.CharField(_("placed by"), max_length=150, blank=True)
    placed_by_staff = models.BooleanField(default=False)
    local_copy_override = models.BooleanField(
        _("placed although we hold a copy"), default=False)
    cost = models.DecimalField(_("cost (CNY)"), max_digits=8, decimal_places=2, null=True, blank=True)
    created_at = models.DateTimeField(_("placed at"), auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)
    status_changed_at = models.DateTimeField(default=timezone.now, db_index=True)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["borrower", "status"]), models.Index(fields=["lender", "status"])]
        verbose_name = _("ILL request")
        verbose_name_plural = _("ILL requests")

    def __str__(self) -> str:
        return self.number

    @property
    def title(self) -> str:
        return self.bib.get("title", "")


class Supply(models.Model):
    """A lender's side of one request (ISO 18626: the supplying agency).

    One per lender asked; for a request of our own member ``request`` links the two sides, for a
    request from a peer ``requester_peer`` names it. At most one supply of a request is active at a
    time (a database constraint), so a request is never supplied twice.
    """

    class Status(models.TextChoices):
        NEW = "new", _("New request")
        EXPECT_TO_SUPPLY = "expect_to_supply", _("Expect to supply")
        CONDITION_PENDING = "condition_pending", _("Condition proposed")
        WILL_SUPPLY = "will_supply", _("Will supply")
        PULL_SLIP_PRINTED = "pull_slip_printed", _("Pull slip printed")
        AWAITING_SHIPPING = "awaiting_shipping", _("Awaiting shipping")
        LOANED = "loaned", _("Shipped, on loan")
        OVERDUE = "overdue", _("Overdue")
        RECALLED = "recalled", _("Recalled")
        RETURN_SHIPPED = "return_shipped", _("On its way back")
        LOAN_COMPLETED = "loan_completed", _("Returned, completed")
        COPY_COMPLETED = "copy_completed", _("Copy sent")
        UNFILLED = "unfilled", _("Unfilled")
        RETRY_POSSIBLE = "retry_possible", _("Retry possible")
        CANCELLED = "cancelled", _("Cancelled")
        LOST = "lost", _("Lost")
        COMPLETED_WITHOUT_RETURN = "completed_without_return", _("Completed without return")

    number = models.CharField(_("lender's number"), max_length=20, unique=True)
    lender = models.ForeignKey(Library, on_delete=models.PROTECT, related_name="ill_supplies",
                               verbose_name=_("lender"))
    request = models.ForeignKey(IllRequest, null=True, blank=True, on_delete=models.CASCADE,
                                related_name="supplies")
    borrower = models.ForeignKey(Library, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                                 verbose_name=_("borrowing library"))
    requester_peer = models.ForeignKey(Peer, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                                       verbose_name=_("requesting peer"))
    # The requester's own id for the request (header requestingAgencyRequestId).
    requester_request_id = models.CharField(_("borrower's request number"), max_length=60)
    rota_entry = models.OneToOneField("RotaEntry", null=True, blank=True, on_delete=models.SET_NULL,
                                      related_name="supply")
    bib = models.JSONField(default=dict)
    service_type = models.CharField(_("service"), max_length=10, choices=ServiceType.choices,
                                    default=ServiceType.LOAN)
    needed_by = models.DateField(_("needed by"), null=True, blank=True)
    note = models.TextField(_("note from the borrower"), blank=True)
    pages = models.CharField(_("pages wanted"), max_length=100, blank=True)
    part_title = models.CharField(_("chapter or article"), max_length=300, blank=True)
    max_cost = models.DecimalField(_("maximum cost (CNY)"), max_digits=8, decimal_places=2, null=True, blank=True)
    delivery_address = models.TextField(_("deliver to"), blank=True)
    status = models.CharField(_("status"), max_length=30, choices=Status.choices, default=Status.NEW,
                              db_index=True)
    # The copy chosen in the lender's catalogue (its schema) and the loan that ships it.
    instance_id = models.BigIntegerField(null=True, blank=True)
    item_id = models.BigIntegerField(null=True, blank=True)
    item_barcode = models.CharField(_("item barcode"), max_length=60, blank=True)
    location = models.CharField(_("location"), max_length=100, blank=True)
    call_number = models.CharField(_("call number"), max_length=200, blank=True)
    loan_id = models.BigIntegerField(null=True, blank=True)
    due_on = models.DateField(_("due back"), null=True, blank=True)
    renewals = models.PositiveSmallIntegerField(default=0)
    loan_condition = models.CharField(_("loan condition"), max_length=60, blank=True)
    condition_note = models.TextField(blank=True)
    reason_unfilled = models.CharField(_("reason unfilled"), max_length=60, blank=True)
    reason_retry = models.CharField(_("reason for retry"), max_length=60, blank=True)
    answer_note = models.TextField(_("note to the borrower"), blank=True)
    pages_supplied = models.PositiveIntegerField(_("pages supplied"), null=True, blank=True)
    cost = models.DecimalField(_("cost (CNY)"), max_digits=8, decimal_places=2, null=True, blank=True)
    answer_due_at = models.DateTimeField(_("answer due"), null=True, blank=True)
    created_at = models.DateTimeField(_("received at"), auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)
    status_changed_at = models.DateTimeField(default=timezone.now, db_index=True)
    closed_at = models.DateTimeField(null=True, blank=True)

    ACTIVE = ("new", "expect_to_supply", "condition_pending", "will_supply", "pull_slip_printed",
              "awaiting_shipping", "loaned", "overdue", "recalled", "return_shipped", "lost")

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["request"], name="supply_one_active_per_request",
                condition=models.Q(request__isnull=False) & models.Q(status__in=[
                    "new", "expect_to_supply", "condition_pending", "will_supply", "pull_slip_printed",
                    "awaiting_shipping", "loaned", "overdue", "recalled", "return_shipped", "lost"])),
            models.UniqueConstraint(fields=["requester_peer", "requester_request_id"], name="supply_peer_request",
                                    condition=models.Q(requester_peer__isnull=False)),
        ]
        indexes = [models.Index(fields=["lender", "status"])]
        verbose_name = _("supply")
        verbose_name_plural = _("supplies")

    def __str__(self) -> str:
        return self.number

    @property
    def title(self) -> str:
        return self.bib.get("title", "")


class RotaEntry(models.Model):
    """One candidate lender of a request, in the order they are asked, with why."""

    class Outcome(models.TextChoices):
        WAITING = "waiting", _("Not asked yet")
        SKIPPED = "skipped", _("Skipped")
        ASKED = "asked", _("Asked")
        UNFILLED = "unfilled", _("Could not supply")
        NO_ANSWER = "no_answer", _("Did not answer in time")
        DECLINED = "declined", _("Condition declined")
        SUPPLYING = "supplying", _("Supplying")
        CANCELLED = "cancelled", _("Cancelled")

    request = models.ForeignKey(IllRequest, on_delete=models.CASCADE, related_name="rota")
    round = models.PositiveSmallIntegerField(default=1, help_text=_("re-rota starts a new round"))
    position = models.PositiveSmallIntegerField()
    lender = models.ForeignKey(Library, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    peer = models.ForeignKey(Peer, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    score = models.FloatField(default=0)
    # [{"code": ..., "points": ..., "detail": {...}}]: the reasons behind the score, shown as "why".
    reasons = models.JSONField(default=list)
    last_resort = models.BooleanField(default=False)
    outcome = models.CharField(max_length=12, choices=Outcome.choices, default=Outcome.WAITING)
    # Why skipped or why it could not supply: a code and its readable detail.
    outcome_code = models.CharField(max_length=40, blank=True)
    outcome_note = models.TextField(blank=True)
    asked_at = models.DateTimeField(null=True, blank=True)
    answer_due_at = models.DateTimeField(null=True, blank=True)
    answered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["request", "round", "position"]
        constraints = [
            models.UniqueConstraint(fields=["request", "round", "position"], name="rota_position"),
            models.CheckConstraint(condition=models.Q(lender__isnull=False) | models.Q(peer__isnull=False),
                                   name="rota_has_lender"),
        ]
        indexes = [models.Index(fields=["outcome", "answer_due_at"])]
        verbose_name = _("rota entry")
        verbose_name_plural = _("rota entries")

    def __str__(self) -> str:
        return f"{self.request_id} #{self.round}.{self.position}"


class IllRequestStatusChange(TransitionRecord):
    subject = models.ForeignKey(IllRequest, on_delete=models.CASCADE, related_name="status_changes")


class SupplyStatusChange(TransitionRecord):
    subject = models.ForeignKey(Supply, on_delete=models.CASCADE, related_name="status_changes")


class IllMessage(models.Model):
    """Every ISO 18626 message sent or received, as XML, with how it went."""

    class Direction(models.TextChoices):
        OUT = "out", _("sent")
        IN = "in", _("received")

    class Delivery(models.TextChoices):
        LOCAL = "local", _("between members")
        PENDING = "pending", _("waiting to be sent")
        SENT = "sent", _("sent")
        FAILED = "failed", _("failed")
        REJECTED = "rejected", _("refused")

    direction = models.CharField(max_length=3, choices=Direction.choices)
    kind = models.CharField(max_length=40)  # Request, SupplyingAgencyMessage, RequestingAgencyMessage, ...
    version = models.CharField(max_length=4, default="2017")
    request = models.ForeignKey(IllRequest, null=True, blank=True, on_delete=models.CASCADE, related_name="messages")
    supply = models.ForeignKey(Supply, null=True, blank=True, on_delete=models.CASCADE, related_name="messages")
    peer = models.ForeignKey(Peer, null=True, blank=True, on_delete=models.SET_NULL, related_name="messages")
    status = models.CharField(max_length=30, blank=True, help_text="supplier status or requester action carried")
    body = models.TextField()
    delivery = models.CharField(max_length=10, choices=Delivery.choices, default=Delivery.LOCAL)
    attempts = models.PositiveSmallIntegerField(default=0)
    error = models.TextField(blank=True)
    answer = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["delivery", "created_at"])]
        verbose_name = _("ISO 18626 message")
        verbose_name_plural = _("ISO 18626 messages")

    def __str__(self) -> str:
        return f"{self.direction} {self.kind} {self.status}"


class Notification(models.Model):
    """An in-app notice to a library's ILL staff or to a reader (by opaque account); mailed too."""

    library = models.ForeignKey(Library, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    reader_user_id = models.IntegerField(null=True, blank=True, db_index=True)
    request = models.ForeignKey(IllRequest, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    supply = models.ForeignKey(Supply, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=40)
    # The message is kept as a msgid and its arguments, so each reader sees it in their own language.
    message = models.TextField()
    params = models.JSONField(default=dict)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    read_at = models.DateTimeField(null=True, blank=True)
    emailed = models.BooleanField(default=False)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")

    def __str__(self) -> str:
        return self.kind


class CopyDelivery(models.Model):
    """A scan sent for a Copy request: kept privately, downloaded through an expiring link."""

    supply = models.OneToOneField(Supply, on_delete=models.CASCADE, related_name="copy_delivery")
    request = models.ForeignKey(IllRequest, null=True, blank=True, on_delete=models.SET_NULL, related_name="copies")
    path = models.CharField(max_length=300, help_text="relative to ILL_PRIVATE_ROOT")
    original_name = models.CharField(max_length=200, blank=True)
    size = models.PositiveIntegerField(default=0)
    sha256 = models.CharField(max_length=64, blank=True)
    pages = models.PositiveIntegerField(_("pages"))
    copyright_declared = models.BooleanField(_("copyright declaration made"), default=False)
    declaration = models.TextField(_("copyright declaration"), blank=True)
    declared_by = models.CharField(max_length=150, blank=True)
    token = models.CharField(max_length=64, unique=True)
    expires_at = models.DateTimeField()
    max_downloads = models.PositiveSmallIntegerField()
    downloads = models.PositiveSmallIntegerField(default=0)
    uploaded_at = models.DateTimeField(default=timezone.now)
    deleted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("copy delivery")
        verbose_name_plural = _("copy deliveries")

    def __str__(self) -> str:
        return self.original_name or self.path


class FeeSchedule(models.Model):
    """What a lender charges per request, by service type, and per page for copies (CNY)."""

    service_type = models.CharField(_("service"), max_length=10, choices=ServiceType.choices)
    per_request = models.DecimalField(_("per request"), max_digits=8, decimal_places=2, default=Decimal("0"))
    per_page = models.DecimalField(_("per page"), max_digits=8, decimal_places=2, default=Decimal("0"))
    valid_from = models.DateField(_("valid from"))

    class Meta:
        ordering = ["service_type", "-valid_from"]
        constraints = [models.UniqueConstraint(fields=["service_type", "valid_from"], name="fee_schedule_once")]
        verbose_name = _("fee")
        verbose_name_plural = _("fee schedule")

    def __str__(self) -> str:
        return f"{self.service_type} {self.per_request}+{self.per_page}/p"


class SubsidyRule(models.Model):
    """A share of the borrower's fees the consortium (or a district) pays, up to a yearly cap."""

    name = models.CharField(_("name"), max_length=200)
    region = models.ForeignKey(Region, null=True, blank=True, on_delete=models.CASCADE, related_name="+",
                               verbose_name=_("region"), help_text=_("empty: every region"))
    library_kind = models.CharField(_("school kind"), max_length=12, choices=Library.Kind.choices, blank=True,
                                    help_text=_("empty: every kind"))
    percent = models.PositiveSmallIntegerField(_("share paid (%)"), default=100)
    yearly_cap = models.DecimalField(_("yearly cap per library (CNY)"), max_digits=10, decimal_places=2)
    year = models.PositiveSmallIntegerField(_("year"))

    class Meta:
        ordering = ["year", "name"]
        verbose_name = _("subsidy rule")
        verbose_name_plural = _("subsidy rules")

    def __str__(self) -> str:
        return self.name


class FeeLine(models.Model):
    """The fee of one completed request: what the borrower owes the lender, and the subsidy."""

    request = models.OneToOneField(IllRequest, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="fee")
    supply = models.OneToOneField(Supply, null=True, blank=True, on_delete=models.PROTECT, related_name="fee")
    borrower = models.ForeignKey(Library, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    borrower_peer = models.ForeignKey(Peer, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    lender = models.ForeignKey(Library, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    lender_peer = models.ForeignKey(Peer, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    service_type = models.CharField(max_length=10, choices=ServiceType.choices)
    pages = models.PositiveIntegerField(default=0)
    amount = models.DecimalField(max_digits=10, decimal_places=2)
    # The schedule's price before the request's maximum cost, and that cap when one was set
    # (``amount`` is the lower of the two).
    list_amount = models.DecimalField(max_digits=10, decimal_places=2, default=Decimal("0"))
    max_cost = models.DecimalField(max_digits=8, decimal_places=2, null=True, blank=True)
    # What the borrower pays for an item it lost (set by the lender); no subsidy covers it.
    compensation = models.DecimalField(max_digits=10, decimal_places=2, default=Decimal("0"))
    subsidy = models.DecimalField(max_digits=10, decimal_places=2, default=Decimal("0"))
    subsidy_rule = models.ForeignKey(SubsidyRule, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    occurred_on = models.DateField(db_index=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["occurred_on", "id"]
        verbose_name = _("fee")
        verbose_name_plural = _("fees")

    def __str__(self) -> str:
        return f"{self.supply_id} {self.amount}"
