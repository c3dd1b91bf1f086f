"""Serializers of the ILL requests API: the borrower's view of a request, the lender's view of a
supply (which never names a reader), the reader's own view, settings, notices and figures."""

from __future__ import annotations

from django.utils import timezone
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from ill.models import IllRequest, LibraryIllSettings, Notification, RotaEntry, ServiceType
from ill.services import figures

# --- Shared pieces -------------------------------------------------------------------------------


class IllAuditSerializer(serializers.Serializer):
    at = serializers.DateTimeField()
    from_state = serializers.CharField()
    to_state = serializers.CharField()
    action = serializers.CharField()
    actor = serializers.CharField(source="actor_name")
    note = serializers.CharField()


class IllMessageSerializer(serializers.Serializer):
    direction = serializers.CharField(help_text="out: sent, in: received")
    kind = serializers.CharField(help_text="Request, SupplyingAgencyMessage, RequestingAgencyMessage ...")
    status = serializers.CharField(help_text="the supplier status or requester action it carried")
    delivery = serializers.CharField(help_text="local, pending, sent, failed, rejected")
    created_at = serializers.DateTimeField()
    sent_at = serializers.DateTimeField(allow_null=True)
    error = serializers.CharField()


def _hours(since) -> float:
    return round((timezone.now() - since).total_seconds() / 3600, 1)


class _Common(serializers.Serializer):
    """What both sides show of the item asked for and the state."""

    number = serializers.CharField()
    status = serializers.CharField()
    status_label = serializers.CharField(source="get_status_display")
    service_type = serializers.ChoiceField(choices=ServiceType.choices)
    title = serializers.CharField()
    needed_by = serializers.DateField(allow_null=True)
    created_at = serializers.DateTimeField()
    status_changed_at = serializers.DateTimeField()
    closed_at = serializers.DateTimeField(allow_null=True)
    hours_in_state = serializers.SerializerMethodField(help_text="hours since the state last changed")
    stuck = serializers.SerializerMethodField(help_text="open and unchanged longer than the policy's stuck days")

    def get_hours_in_state(self, obj) -> float:
        return _hours(obj.status_changed_at)

    def get_stuck(self, obj) -> bool:
        cutoff = self.context.get("cutoff") or figures.stuck_cutoff()
        return figures.is_stuck(obj, cutoff=cutoff)


# --- The borrower's side -------------------------------------------------------------------------

class IllRequestSerializer(_Common):
    urid = serializers.CharField(source="union_record.urid", default=None, allow_null=True)
    pickup_point = serializers.CharField()
    lender = serializers.SerializerMethodField(help_text="the lender asked now: a member's code or a peer's name")
    supplier_status = serializers.CharField(help_text="what the lender last reported (ISO 18626)")
    lender_due_on = serializers.DateField(allow_null=True)
    placed_by_staff = serializers.BooleanField()

    def get_lender(self, request) -> str | None:
        if request.lender_id:
            return request.lender.code
        return request.lender_peer.name if request.lender_peer_id else None


class IllRotaEntrySerializer(serializers.Serializer):
    round = serializers.IntegerField()
    position = serializers.IntegerField()
    lender = serializers.CharField(source="lender.code", default=None, allow_null=True)
    lender_name = serializers.CharField(source="lender.name", default=None, allow_null=True)
    peer = serializers.CharField(source="peer.name", default=None, allow_null=True)
    score = serializers.FloatField()
    reasons = serializers.ListField(child=serializers.DictField(), help_text="[{code, points, detail}]")
    why = serializers.SerializerMethodField(help_text="the reasons and the outcome, in words")
    last_resort = serializers.BooleanField()
    outcome = serializers.ChoiceField(choices=RotaEntry.Outcome.choices)
    outcome_code = serializers.CharField()
    asked_at = serializers.DateTimeField(allow_null=True)
    answer_due_at = serializers.DateTimeField(allow_null=True)
    answered_at = serializers.DateTimeField(allow_null=True)

    def get_why(self, entry) -> list[str]:
        from ill.services import rota

        return [str(line) for line in rota.explain(entry)]


class IllReaderSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    card_number = serializers.CharField()
    name = serializers.CharField()


class IllRequestDetailSerializer(IllRequestSerializer):
    bib = serializers.DictField(help_text="the item asked for, as sent to lenders")
    note = serializers.CharField(help_text="note to the lender")
    staff_note = serializers.CharField()
    pages = serializers.CharField()
    part_title = serializers.CharField()
    max_cost = serializers.DecimalField(max_digits=8, decimal_places=2, allow_null=True)
    cost = serializers.DecimalField(max_digits=8, decimal_places=2, allow_null=True)
    loan_condition = serializers.CharField()
    condition_note = serializers.CharField()
    recalled = serializers.BooleanField()
    renewal_pending = serializers.BooleanField()
    temp_barcode = serializers.CharField()
    local_copy_override = serializers.BooleanField()
    placed_by = serializers.CharField()
    reader = serializers.SerializerMethodField(help_text="the reader: shown to the library's own staff only")
    rota = serializers.SerializerMethodField()
    history = serializers.SerializerMethodField()
    messages = serializers.SerializerMethodField()
    actions = serializers.SerializerMethodField(help_text="the actions that may be taken now")

    @extend_schema_field(IllReaderSerializer(allow_null=True))
    def get_reader(self, request):
        if not self.context.get("show_reader") or not request.reader_id:
            return None
        from django_tenants.utils import schema_context

        from circulation.models import Reader

        with schema_context(request.borrower.schema_name):
            found = Reader.objects.filter(pk=request.reader_id).values("id", "card_number", "name").first()
        return found

    @extend_schema_field(IllRotaEntrySerializer(many=True))
    def get_rota(self, request):
        entries = request.rota.select_related("lender", "peer").order_by("round", "position")
        return IllRotaEntrySerializer(entries, many=True).data

    @extend_schema_field(IllAuditSerializer(many=True))
    def get_history(self, request):
        return IllAuditSerializer(request.status_changes.order_by("at", "id"), many=True).data

    @extend_schema_field(IllMessageSerializer(many=True))
    def get_messages(self, request):
        return IllMessageSerializer(request.messages.order_by("created_at", "id"), many=True).data

    def get_actions(self, request) -> list[str]:
        from ill.api.requests import request_actions_now

        return request_actions_now(request)


class IllPlaceRequestSerializer(serializers.Serializer):
    urid = serializers.CharField(max_length=20, help_text="the union record asked for")
    service_type = serializers.ChoiceField(choices=ServiceType.choices, default=ServiceType.LOAN)
    needed_by = serializers.DateField(required=False, allow_null=True)
    pickup_point = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    note = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")
    pages = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")
    part_title = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")
    max_cost = serializers.DecimalField(max_digits=8, decimal_places=2, min_value=0, required=False,
                                        allow_null=True)


class IllStaffPlaceRequestSerializer(IllPlaceRequestSerializer):
    card_number = serializers.CharField(max_length=40, help_text="the reader's card in this library")
    override_local_copy = serializers.BooleanField(default=False,
                                                   help_text="place it although a copy is on our own shelf")


class IllReaderPlaceRequestSerializer(IllPlaceRequestSerializer):
    library = serializers.CharField(max_length=40, required=False, allow_blank=True, default="",
                                    help_text="the borrowing library's code, for a reader of several")


class IllNoteSerializer(serializers.Serializer):
    note = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")
    peer = serializers.CharField(max_length=60, required=False, allow_blank=True, default="",
                                 help_text="offer-to-peer: the agency ID of a configured peer that lends")


# --- The lender's side ----------------------------------------------------------------------------

class IllSupplySerializer(_Common):
    borrower = serializers.SerializerMethodField(help_text="the borrowing library's code, or a peer's name")
    borrower_name = serializers.SerializerMethodField()
    borrower_request = serializers.CharField(source="requester_request_id",
                                             help_text="the borrower's own request number")
    answer_due_at = serializers.DateTimeField(allow_null=True)
    hours_since_received = serializers.SerializerMethodField()
    item_barcode = serializers.CharField()
    call_number = serializers.CharField()
    location = serializers.CharField()
    due_on = serializers.DateField(allow_null=True)

    def get_borrower(self, supply) -> str:
        if supply.borrower_id:
            return supply.borrower.code
        return supply.requester_peer.name if supply.requester_peer_id else ""

    def get_borrower_name(self, supply) -> str:
        if supply.borrower_id:
            return supply.borrower.name
        return supply.requester_peer.name if supply.requester_peer_id else ""

    def get_hours_since_received(self, supply) -> float:
        return _hours(supply.created_at)


class IllSupplyDetailSerializer(IllSupplySerializer):
    """Never a reader: the borrowing library and its request number only."""

    bib = serializers.DictField()
    note = serializers.CharField(help_text="the borrower's note")
    pages = serializers.CharField()
    part_title = serializers.CharField()
    max_cost = serializers.DecimalField(max_digits=8, decimal_places=2, allow_null=True)
    delivery_address = serializers.CharField()
    renewals = serializers.IntegerField()
    loan_condition = serializers.CharField()
    condition_note = serializers.CharField()
    reason_unfilled = serializers.CharField()
    reason_retry = serializers.CharField()
    answer_note = serializers.CharField()
    pages_supplied = serializers.IntegerField(allow_null=True)
    cost = serializers.DecimalField(max_digits=8, decimal_places=2, allow_null=True)
    history = serializers.SerializerMethodField()
    messages = serializers.SerializerMethodField()
    actions = serializers.SerializerMethodField(help_text="the actions that may be taken now")

    @extend_schema_field(IllAuditSerializer(many=True))
    def get_history(self, supply):
        return IllAuditSerializer(supply.status_changes.order_by("at", "id"), many=True).data

    @extend_schema_field(IllMessageSerializer(many=True))
    def get_messages(self, supply):
        return IllMessageSerializer(supply.messages.order_by("created_at", "id"), many=True).data

    def get_actions(self, supply) -> list[str]:
        from ill.api.requests import supply_actions_now

        return supply_actions_now(supply)


class IllStateCountSerializer(serializers.Serializer):
    status = serializers.CharField()
    label = serializers.CharField()
    count = serializers.IntegerField()
    oldest_hours = serializers.FloatField(help_text="hours the oldest has been in this state")
    stuck = serializers.IntegerField()


class IllSupplyQueueSerializer(serializers.Serializer):
    count = serializers.IntegerField()
    next = serializers.CharField(allow_null=True)
    previous = serializers.CharField(allow_null=True)
    states = IllStateCountSerializer(many=True, help_text="every open state with its count and age")
    results = IllSupplySerializer(many=True)


class IllSupplyActionSerializer(serializers.Serializer):
    decision = serializers.ChoiceField(
        choices=["will_supply", "unfilled", "expect_to_supply", "condition", "retry_possible"], required=False,
        help_text="answer: what the lender says")
    reason = serializers.CharField(max_length=60, required=False, allow_blank=True, default="",
                                   help_text="answer: the reason unfilled or for a retry (ISO 18626 codes)")
    condition = serializers.CharField(max_length=60, required=False, allow_blank=True, default="",
                                      help_text="answer: the loan condition proposed")
    note = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")
    barcode = serializers.CharField(max_length=60, required=False, allow_blank=True, default="",
                                    help_text="pick, ship, check-in: the item's barcode")
    amount = serializers.DecimalField(max_digits=8, decimal_places=2, min_value=0, required=False,
                                      allow_null=True, help_text="compensated: the amount received (CNY)")


# --- The reader's own -------------------------------------------------------------------------------

class IllMyRequestSerializer(serializers.Serializer):
    number = serializers.CharField()
    library = serializers.CharField(source="borrower.code")
    status = serializers.CharField()
    status_label = serializers.CharField(source="get_status_display")
    service_type = serializers.ChoiceField(choices=ServiceType.choices)
    title = serializers.CharField()
    urid = serializers.CharField(source="union_record.urid", default=None, allow_null=True)
    needed_by = serializers.DateField(allow_null=True)
    pickup_point = serializers.CharField()
    created_at = serializers.DateTimeField()
    status_changed_at = serializers.DateTimeField()
    copy_link = serializers.SerializerMethodField(help_text="a copy ready to download: its link")
    may_cancel = serializers.SerializerMethodField()

    def get_copy_link(self, request) -> str | None:
        if request.status != IllRequest.Status.COPY_DELIVERED:
            return None
        from ill.services.notify import _copy_link

        return _copy_link(request)["link"] or None

    def get_may_cancel(self, request) -> bool:
        from ill.workflow import REQUESTER

        return request.status in REQUESTER.action("cancel").sources | REQUESTER.action("ask_cancel").sources


# --- Settings, notices, figures ---------------------------------------------------------------------

class IllSettingsSerializer(serializers.ModelSerializer):
    pickup_points = serializers.ListField(child=serializers.CharField(max_length=200), max_length=50,
                                          required=False)
    courier_days = serializers.IntegerField(min_value=0, max_value=60, required=False)
    needs_approval = serializers.SerializerMethodField(help_text="what applies now (the library's or the default)")

    class Meta:
        model = LibraryIllSettings
        fields = ["approval_required", "needs_approval", "auto_respond", "pickup_points", "courier_days",
                  "notify_email"]

    def get_needs_approval(self, settings) -> bool:
        return settings.needs_approval()


class IllNotificationSerializer(serializers.ModelSerializer):
    text = serializers.SerializerMethodField(help_text="the notice in the request's language")
    number = serializers.SerializerMethodField(help_text="the request's (or the lender's supply's) number")
    library = serializers.CharField(source="library.code", default=None, allow_null=True)

    class Meta:
        model = Notification
        fields = ["id", "kind", "text", "number", "library", "created_at", "read_at"]

    def get_text(self, notice) -> str:
        from ill.services.notify import render

        return render(notice)

    def get_number(self, notice) -> str | None:
        if notice.supply_id:
            return notice.supply.number
        return notice.request.number if notice.request_id else None


class IllMarkReadSerializer(serializers.Serializer):
    ids = serializers.ListField(child=serializers.IntegerField(), required=False, allow_null=True, max_length=1000,
                                help_text="the notices to mark read; none given: all")


class IllMarkedSerializer(serializers.Serializer):
    marked = serializers.IntegerField()


class IllStageSerializer(serializers.Serializer):
    count = serializers.IntegerField()
    median_hours = serializers.FloatField(allow_null=True)
    p90_hours = serializers.FloatField(allow_null=True)


class IllFillSerializer(serializers.Serializer):
    filled = serializers.IntegerField()
    finished = serializers.IntegerField()
    rate = serializers.FloatField(allow_null=True, help_text="filled / finished; null when none finished")


class IllStuckSerializer(serializers.Serializer):
    count = serializers.IntegerField()
    numbers = serializers.ListField(child=serializers.CharField())


class IllTurnaroundSerializer(serializers.Serializer):
    loans = IllStageSerializer(help_text="placed to received at our desk")
    copies = IllStageSerializer(help_text="placed to the copy delivered")


class IllBorrowingFiguresSerializer(serializers.Serializer):
    made = serializers.IntegerField()
    by_status = serializers.DictField(child=serializers.IntegerField())
    fill = IllFillSerializer()
    stages = serializers.DictField(child=IllStageSerializer(), help_text="hours in each state")
    turnaround = IllTurnaroundSerializer()
    unfilled_reasons = serializers.DictField(child=serializers.IntegerField())
    stuck = IllStuckSerializer()


class IllLendingFiguresSerializer(serializers.Serializer):
    received = serializers.IntegerField()
    by_status = serializers.DictField(child=serializers.IntegerField())
    fill = IllFillSerializer()
    stages = serializers.DictField(child=IllStageSerializer())
    unfilled_reasons = serializers.DictField(child=serializers.IntegerField())
    stuck = IllStuckSerializer()


class IllFiguresSerializer(serializers.Serializer):
    library = serializers.CharField()
    to = serializers.DateField(help_text="the last day, included")
    borrowing = IllBorrowingFiguresSerializer()
    lending = IllLendingFiguresSerializer()
    stuck_days = serializers.IntegerField()

    def get_fields(self):
        fields = super().get_fields()
        fields["from"] = serializers.DateField(help_text="the first day")
        return fields
