"""The forms of the ILL pages (plain Django forms; the services check what matters)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from ill.iso18626 import codes
from ill.models import LibraryIllSettings, ServiceType


class RequestForm(forms.Form):
    """What a reader (or staff for a reader) asks for; pages and chapter only matter for copies."""

    service_type = forms.ChoiceField(label=_("Service"), choices=ServiceType.choices, initial=ServiceType.LOAN)
    needed_by = forms.DateField(label=_("Needed by"), required=False,
                                widget=forms.DateInput(attrs={"type": "date"}))
    pickup_point = forms.ChoiceField(label=_("Pickup point"), required=False, choices=())
    part_title = forms.CharField(label=_("Chapter or article (copies)"), max_length=300, required=False)
    pages = forms.CharField(label=_("Pages (copies)"), max_length=100, required=False,
                            widget=forms.TextInput(attrs={"placeholder": "12-30"}))
    max_cost = forms.DecimalField(label=_("Maximum cost (CNY)"), required=False, min_value=0, max_digits=8,
                                  decimal_places=2)
    note = forms.CharField(label=_("Note"), required=False, max_length=2000,
                           widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, pickup_points=(), **kwargs):
        super().__init__(*args, **kwargs)
        points = [str(p) for p in pickup_points if str(p).strip()]
        if points:
            self.fields["pickup_point"].choices = [(p, p) for p in points]
            self.fields["pickup_point"].initial = points[0]
        else:
            del self.fields["pickup_point"]

    def clean(self):
        data = super().clean()
        if data.get("service_type") == ServiceType.COPY and not (data.get("pages") or data.get("part_title")):
            self.add_error("pages", _("Say which pages or which chapter you need copied."))
        return data


class StaffRequestForm(RequestForm):
    """Staff place a request for one of their readers, and may go on although the library holds a copy."""

    card_number = forms.CharField(label=_("Reader's card number"), max_length=40,
                                  widget=forms.TextInput(attrs={"autocomplete": "off"}))
    override_local_copy = forms.BooleanField(label=_("Request it although our library holds a copy"),
                                             required=False)

    field_order = ["card_number"]


ANSWERS = {
    "will_supply": _("Will supply"),
    "expect_to_supply": _("Expect to supply"),
    "unfilled": _("Cannot supply"),
    "retry_possible": _("Retry possible"),
    "condition": _("Supply on a condition"),
}


class AnswerForm(forms.Form):
    """A lender's answer to an incoming request."""

    decision = forms.ChoiceField(label=_("Answer"), choices=list(ANSWERS.items()))
    reason = forms.ChoiceField(label=_("Reason (cannot supply or retry)"), required=False, choices=())
    condition = forms.ChoiceField(label=_("Condition"), required=False, choices=())
    note = forms.CharField(label=_("Note to the borrowing library"), required=False, max_length=2000,
                           widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["reason"].choices = [
            ("", "—"),
            (_("Cannot supply"), [(code, label) for code, label in codes.REASONS_UNFILLED.items()]),
            (_("Retry possible"), [(code, label) for code, label in codes.REASONS_RETRY_BY_VERSION["2017"].items()]),
        ]
        self.fields["condition"].choices = [("", "—"), *codes.LOAN_CONDITIONS.items()]

    def clean(self):
        data = super().clean()
        decision = data.get("decision")
        if decision == "unfilled" and data.get("reason") not in codes.REASONS_UNFILLED:
            self.add_error("reason", _("Choose why the request cannot be supplied."))
        if decision == "retry_possible" and data.get("reason") not in codes.REASONS_RETRY:
            self.add_error("reason", _("Choose why the borrower should try again."))
        if decision == "condition" and not data.get("condition"):
            self.add_error("condition", _("Choose the condition."))
        return data


class SettingsForm(forms.ModelForm):
    approval_required = forms.NullBooleanField(
        label=_("Approve readers' requests before they go out"), required=False,
        widget=forms.Select(choices=[("unknown", _("As the consortium decides")), ("true", _("Yes")),
                                     ("false", _("No"))]))
    pickup_points_text = forms.CharField(
        label=_("Pickup points"), required=False, widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("one a line, e.g. the library desk, a class book corner"))

    class Meta:
        model = LibraryIllSettings
        fields = ["approval_required", "auto_respond", "courier_days", "notify_email"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["pickup_points_text"].initial = "\n".join(str(p) for p in self.instance.pickup_points or [])

    def save(self, commit=True):
        text = self.cleaned_data.get("pickup_points_text", "")
        points = []
        for line in text.splitlines():
            line = line.strip()[:200]
            if line and line not in points:
                points.append(line)
        self.instance.pickup_points = points
        return super().save(commit=commit)
