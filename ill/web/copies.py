"""Document delivery pages, plain forms that work without JavaScript.

- ``/ill/lib/<code>/copies/<supply number>/``: the lender's ILL staff upload the scan (PDF,
  pages supplied, the copyright declaration ticked); once sent, the page shows what was sent.
- ``/ill/copies/<token>/``: the reader's (or the borrowing library's staff's) download page. Opening
  it counts nothing; the download button posts, and only that counts one of the link's downloads,
  so a mail program or browser that fetches links ahead does not spend them. An expired or
  used-up link answers 410 with a page that says so.
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from core.exceptions import UserError
from ill.exceptions import CopyGone
from ill.models import CopyDelivery, IllPolicy, Supply
from ill.services import copies
from tenants.models import Library, Role
from tenants.services import access


class CopyUploadForm(forms.Form):
    file = forms.FileField(label=gettext_lazy("Scan (PDF)"),
                           widget=forms.ClearableFileInput(attrs={"accept": "application/pdf,.pdf"}))
    pages = forms.IntegerField(label=gettext_lazy("Pages supplied"), min_value=1, max_value=copies.MAX_PAGES)
    declaration = forms.BooleanField(label=copies.DEFAULT_DECLARATION, required=False)


def _lender_supply(request, code: str, number: str) -> Supply:
    library = get_object_or_404(Library, code=code, is_active=True)
    if not access.has_own_role(request.user, library, Role.ILL_STAFF):
        raise PermissionDenied
    return get_object_or_404(Supply.objects.select_related("lender"), lender=library, number=number)


@login_required
@require_http_methods(["GET", "POST"])
def supply_copy(request, code, number):
    supply = _lender_supply(request, code, number)
    delivery = CopyDelivery.objects.filter(supply=supply).first()
    form = CopyUploadForm()
    answer = 200
    if request.method == "POST" and delivery is None:
        form = CopyUploadForm(request.POST, request.FILES)
        if form.is_valid():
            data = form.cleaned_data
            try:
                copies.upload_copy(supply, data["file"], pages=data["pages"], declaration=data["declaration"],
                                   actor=request.user)
            except UserError as exc:
                form.add_error(None, exc.message)
            else:
                messages.success(request, _("The copy was sent; the borrowing library has been told."))
                return redirect("ill-supply-copy", code=code, number=number)
        answer = 400
    policy = IllPolicy.current()
    return render(request, "ill/copies/upload.html", {
        "supply": supply, "library": supply.lender, "delivery": delivery, "form": form, "policy": policy,
        "state": copies.availability(delivery) if delivery else None,
        "may_send": delivery is None and copies.can_send(supply),
    }, status=answer)


@login_required
@require_http_methods(["GET", "POST"])
def copy_download(request, token):
    delivery = get_object_or_404(CopyDelivery.objects.select_related("request__borrower", "supply__lender"),
                                 token=token)
    if not copies.may_download(request.user, delivery):
        raise PermissionDenied
    state = copies.availability(delivery)
    if request.method == "POST" and state.state == "available":
        try:
            handle, name = copies.open_download(token)
        except CopyGone:
            delivery.refresh_from_db()
            state = copies.availability(delivery)
        else:
            return FileResponse(handle, as_attachment=True, filename=name, content_type="application/pdf")
    return render(request, "ill/copies/download.html", {"delivery": delivery, "state": state},
                  status=200 if state.state == "available" else 410)


urlpatterns = [
    path("lib/<str:code>/copies/<str:number>/", supply_copy, name="ill-supply-copy"),
    path("copies/<str:token>/", copy_download, name="ill-copy"),
]
