"""Web pages of the card file (/lib/<code>/readers/, /lib/<code>/classes/), the reader sign-in page
and a signed-in reader's own loans (/lib/<code>/my/loans/).

The card file is for the library's own circulation staff and its administrator; every page works
without JavaScript. The sign-in page is open to anyone: it shows nothing of the card file.
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth import authenticate
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import LoginView
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from circulation import auth
from circulation.exceptions import UserError
from circulation.models import Loan, Reader, SchoolClass
from circulation.services import cards, desk, readers
from circulation.services.reader_import import import_readers
from tenants.models import Role
from tenants.services import access


def _check(request) -> None:
    if not access.has_own_role(request.user, request.library, Role.CIRCULATION):
        raise PermissionDenied


def _ctx(request, **extra) -> dict:
    return {"library": request.library, **extra}


# --- Forms ------------------------------------------------------------------------------------

class ReaderForm(forms.ModelForm):
    class Meta:
        model = Reader
        fields = ["card_number", "name", "kind", "school_class", "student_number", "email"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["school_class"].queryset = SchoolClass.objects.filter(active=True)
        self.fields["card_number"].required = False
        self.fields["card_number"].help_text = gettext_lazy("blank: the student number")

    def validate_unique(self):
        """Left to the service, which answers with one clear message."""


class ClassForm(forms.ModelForm):
    class Meta:
        model = SchoolClass
        fields = ["grade", "number", "teacher", "entry_year", "active"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["teacher"].queryset = Reader.objects.filter(
            kind__in=(Reader.Kind.TEACHER, Reader.Kind.STAFF), status=Reader.Status.ACTIVE)

    def validate_unique(self):
        """Left to the service."""


def _save_form(request, form, save) -> object | None:
    """Run ``save(cleaned_data)`` when the form is valid; a service refusal becomes a form error."""
    if not form.is_valid():
        return None
    try:
        return save(form.cleaned_data)
    except UserError as exc:
        form.add_error(None, exc.message)
        return None


# --- The card file ----------------------------------------------------------------------------

@login_required
@require_http_methods(["GET"])
def reader_list(request, code):
    _check(request)
    p = request.GET
    try:
        found = readers.search_readers(q=p.get("q", ""), school_class=p.get("class") or None,
                                       kind=p.get("kind", ""), status=p.get("status", ""))
    except UserError as exc:
        messages.error(request, exc.message)
        found = Reader.objects.none()
    page = Paginator(found, 100).get_page(p.get("page"))
    query = p.copy()
    query.pop("page", None)
    return render(request, "circulation/readers/list.html", _ctx(
        request, page=page, query=query.urlencode(), filters=p, classes=readers.classes(),
        kinds=Reader.Kind.choices, statuses=Reader.Status.choices))


@login_required
@require_http_methods(["GET", "POST"])
def reader_create(request, code):
    _check(request)
    form = ReaderForm(request.POST or None)
    if request.method == "POST":
        reader = _save_form(request, form, lambda data: readers.create_reader(actor=request.user, **data))
        if reader is not None:
            messages.success(request, _("Reader %(card)s created.") % {"card": reader.card_number})
            return redirect("circ-readers-detail", code=code, pk=reader.pk)
    return render(request, "circulation/readers/form.html", _ctx(request, form=form, reader=None))


@login_required
@require_http_methods(["GET", "POST"])
def reader_detail(request, code, pk):
    _check(request)
    reader = _reader_or_404(pk)
    form = ReaderForm(request.POST or None, instance=reader)
    if request.method == "POST":
        saved = _save_form(request, form, lambda data: readers.update_reader(reader, actor=request.user, **data))
        if saved is not None:
            messages.success(request, _("Saved."))
            return redirect("circ-readers-detail", code=code, pk=reader.pk)
    loans = Loan.objects.filter(reader=reader).select_related("item__holdings__instance")[:50]
    return render(request, "circulation/readers/form.html", _ctx(
        request, form=form, reader=reader, loans=loans, today=timezone.localdate(), statuses=Reader.Status))


def _reader_or_404(pk) -> Reader:
    try:
        return readers.get_reader(pk)
    except UserError as exc:
        raise Http404(exc.message) from exc


@login_required
@require_POST
def reader_status(request, code, pk):
    _check(request)
    reader = _reader_or_404(pk)
    try:
        readers.set_status(reader, request.POST.get("status", ""), reason=request.POST.get("reason", ""),
                           actor=request.user)
    except UserError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("The card is now “%(status)s”.") % {"status": reader.get_status_display()})
    return redirect("circ-readers-detail", code=code, pk=pk)


@login_required
@require_POST
def reader_pin(request, code, pk):
    _check(request)
    try:
        readers.set_pin(_reader_or_404(pk), request.POST.get("pin", ""), actor=request.user)
    except UserError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("The PIN was set."))
    return redirect("circ-readers-detail", code=code, pk=pk)


@login_required
@require_http_methods(["GET"])
def reader_export(request, code, pk):
    _check(request)
    try:
        body, content_type, name = readers.export_reader(_reader_or_404(pk), as_=request.GET.get("as", "json"),
                                                         actor=request.user)
    except UserError as exc:
        raise Http404(exc.message) from exc
    response = HttpResponse(body, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@login_required
@require_http_methods(["GET", "POST"])
def reader_erase(request, code, pk):
    """A confirm page, then the erasure (refused with the reason while items are out)."""
    _check(request)
    reader = _reader_or_404(pk)
    if request.method == "POST":
        try:
            readers.erase_reader(reader, actor=request.user)
        except UserError as exc:
            messages.error(request, exc.message)
            return redirect("circ-readers-detail", code=code, pk=pk)
        messages.success(request, _("The reader's data was erased; their loans stay in the figures without a name."))
        return redirect("circ-readers-list", code=code)
    open_loans = Loan.objects.filter(reader=reader, status=Loan.Status.OPEN).count()
    return render(request, "circulation/readers/erase.html", _ctx(request, reader=reader, open_loans=open_loans))


@login_required
@require_http_methods(["GET", "POST"])
def reader_import(request, code):
    _check(request)
    report = None
    if request.method == "POST":
        upload = request.FILES.get("file")
        if upload is None:
            messages.error(request, _("Choose a CSV or XLSX file."))
        else:
            try:
                report = import_readers(upload.read(), upload.name or "", dry_run=bool(request.POST.get("dry_run")),
                                        actor=request.user)
            except UserError as exc:
                messages.error(request, exc.message)
    return render(request, "circulation/readers/import.html", _ctx(request, report=report))


@login_required
@require_http_methods(["GET"])
def reader_cards(request, code):
    _check(request)
    try:
        chosen = cards.readers_to_print(request.GET)
    except UserError as exc:
        raise Http404(exc.message) from exc
    response = HttpResponse(cards.cards_pdf(chosen, library_name=request.library.name),
                            content_type="application/pdf")
    response["Content-Disposition"] = 'inline; filename="cards.pdf"'
    return response


# --- Classes ----------------------------------------------------------------------------------

@login_required
@require_http_methods(["GET", "POST"])
def class_list(request, code):
    _check(request)
    form = ClassForm(request.POST or None, initial={"active": True})
    if request.method == "POST":
        made = _save_form(request, form, lambda data: readers.create_class(actor=request.user, **data))
        if made is not None:
            messages.success(request, _("Class %(name)s created.") % {"name": made})
            return redirect("circ-readers-classes", code=code)
    show_all = bool(request.GET.get("all"))
    return render(request, "circulation/readers/classes.html", _ctx(
        request, form=form, classes=readers.classes(include_inactive=show_all), show_all=show_all))


@login_required
@require_http_methods(["GET", "POST"])
def class_detail(request, code, pk):
    _check(request)
    try:
        school_class = readers.get_class(pk)
    except UserError as exc:
        raise Http404(exc.message) from exc
    form = ClassForm(request.POST or None, instance=school_class)
    if request.method == "POST":
        saved = _save_form(request, form, lambda data: readers.update_class(school_class, actor=request.user, **data))
        if saved is not None:
            messages.success(request, _("Saved."))
            return redirect("circ-readers-class", code=code, pk=pk)
    students = Reader.objects.filter(school_class=school_class).order_by("student_number", "card_number")
    return render(request, "circulation/readers/class.html", _ctx(
        request, form=form, school_class=school_class, students=students))


@login_required
@require_http_methods(["GET"])
def class_sheet(request, code, pk):
    _check(request)
    try:
        school_class = readers.get_class(pk)
    except UserError as exc:
        raise Http404(exc.message) from exc
    body = cards.class_sheet_pdf(school_class, cards.class_readers(school_class), library_name=request.library.name)
    response = HttpResponse(body, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="class-{school_class.pk}.pdf"'
    return response


@login_required
@require_http_methods(["GET", "POST"])
def promotion(request, code):
    """GET shows what promotion will do (the confirm step); POST with ``confirm`` does it."""
    _check(request)
    try:
        top = int(request.POST.get("top_grade") or request.GET.get("top_grade") or 0) or readers.top_grade_of(
            request.library)
    except (UserError, ValueError) as exc:
        messages.error(request, getattr(exc, "message", str(exc)))
        return redirect("circ-readers-classes", code=code)
    if request.method == "POST" and request.POST.get("confirm"):
        plan = readers.promote(top, actor=request.user)
        messages.success(request, _("Promotion done: %(moved)s classes moved up, %(graduated)s graduated.") % {
            "moved": len(plan.moves), "graduated": len(plan.graduating)})
    else:
        plan = readers.plan_promotion(top)
    return render(request, "circulation/readers/promotion.html", _ctx(request, plan=plan))


# --- Readers themselves -------------------------------------------------------------------------

class ReaderLoginForm(forms.Form):
    """Card number and PIN; a signed-in reader gets their opaque account (circulation.auth)."""

    card_number = forms.CharField(label=gettext_lazy("Card number"), max_length=40,
                                  widget=forms.TextInput(attrs={"autofocus": True, "autocomplete": "username"}))
    pin = forms.CharField(label=gettext_lazy("Password or PIN"), max_length=128, strip=False,
                          widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}))

    def __init__(self, request=None, *args, **kwargs):
        self.request = request
        self.user_cache = None
        super().__init__(*args, **kwargs)

    def clean(self):
        card, pin = self.cleaned_data.get("card_number"), self.cleaned_data.get("pin")
        library = self.request.library
        if card and pin:
            if auth.is_locked(library, card):
                raise forms.ValidationError(
                    _("Too many wrong PINs for this card: try again in %(minutes)s minutes, or ask the library.") % {
                        "minutes": auth.LOCK_SECONDS // 60}, code="locked")
            self.user_cache = authenticate(self.request, library=library, card_number=card, pin=pin)
            if self.user_cache is None:
                raise forms.ValidationError(_("The card number or PIN is wrong, or the card is not active."),
                                            code="invalid_login")
        return self.cleaned_data

    def get_user(self):
        return self.user_cache


class ReaderLoginView(LoginView):
    """/lib/<code>/reader-login/: a reader signs in with card and PIN, then sees their loans."""

    authentication_form = ReaderLoginForm
    template_name = "circulation/readers/login.html"
    redirect_authenticated_user = False

    def get_default_redirect_url(self):
        return reverse("circ-readers-my-loans", kwargs={"code": self.request.library.code})

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), "library": self.request.library}


def _own_reader(request) -> Reader:
    if not access.own_roles_in(request.user, request.library):
        raise PermissionDenied
    return Reader.objects.filter(user_id=request.user.pk).first()


def _no_card(request):
    return render(request, "circulation/readers/no_card.html", _ctx(request), status=404)


@login_required
@require_http_methods(["GET"])
def my_loans(request, code):
    reader = _own_reader(request)
    if reader is None:
        return _no_card(request)
    loans = Loan.objects.filter(reader=reader).select_related("item__holdings__instance").order_by(
        "status", "due_on", "-loaned_at")[:100]
    return render(request, "circulation/readers/my_loans.html", _ctx(
        request, reader=reader, loans=loans, today=timezone.localdate()))


@login_required
@require_POST
def my_renew(request, code):
    reader = _own_reader(request)
    if reader is None:
        return _no_card(request)
    try:
        outcome = desk.renew(request.POST.get("barcode", ""), reader=reader, actor=request.user)
    except UserError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, outcome.message)
    return redirect("circ-readers-my-loans", code=code)


urlpatterns = [
    path("readers/", reader_list, name="circ-readers-list"),
    path("readers/new/", reader_create, name="circ-readers-create"),
    path("readers/import/", reader_import, name="circ-readers-import"),
    path("readers/cards/", reader_cards, name="circ-readers-cards"),
    path("readers/<int:pk>/", reader_detail, name="circ-readers-detail"),
    path("readers/<int:pk>/status/", reader_status, name="circ-readers-status"),
    path("readers/<int:pk>/pin/", reader_pin, name="circ-readers-pin"),
    path("readers/<int:pk>/export/", reader_export, name="circ-readers-export"),
    path("readers/<int:pk>/erase/", reader_erase, name="circ-readers-erase"),
    path("classes/", class_list, name="circ-readers-classes"),
    path("classes/promotion/", promotion, name="circ-readers-promotion"),
    path("classes/<int:pk>/", class_detail, name="circ-readers-class"),
    path("classes/<int:pk>/sheet/", class_sheet, name="circ-readers-class-sheet"),
    path("reader-login/", ReaderLoginView.as_view(), name="circ-readers-login"),
    path("my/loans/", my_loans, name="circ-readers-my-loans"),
    path("my/loans/renew/", my_renew, name="circ-readers-my-renew"),
]
