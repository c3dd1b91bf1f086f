"""Staff web pages of the union catalogue (/union/...), usable without JavaScript."""

from __future__ import annotations

from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from core.exceptions import PermissionDenied, UserError
from tenants.models import Role
from tenants.services import access
from union.models import EditLock, MatchReview, Proposal
from union.services import cataloguing, clusters, explanations, quality
from union.services.access import (
    may_coordinate,
    member_library,
    quality_libraries,
    require_coordinator,
    require_review_coordinator,
    reviews_for,
)
from union.services.export_selection import select_for_export


def viewer_required(view):
    @login_required
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not cataloguing.can_view(request.user):
            raise DjangoPermissionDenied
        return view(request, *args, **kwargs)

    return wrapper


def refusals_forbidden(view):
    """A service's refusal (PermissionDenied) answers 403, as the API does."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        try:
            return view(request, *args, **kwargs)
        except PermissionDenied as exc:
            raise DjangoPermissionDenied(exc.message) from exc

    return wrapper


def user_errors(view):
    """Turn a service's UserError into a message and a redirect back to the record (a refusal is a 403)."""

    @refusals_forbidden
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        try:
            return view(request, *args, **kwargs)
        except PermissionDenied:
            raise
        except UserError as exc:
            messages.error(request, exc.message)
            urid = kwargs.get("urid")
            return redirect("union-record", urid=urid) if urid else redirect("union-search")

    return wrapper


def _cataloguer_libraries(user):
    return list(access.libraries_with_role(user, Role.CATALOGUER).filter(is_active=True).order_by("code"))


@require_GET
@viewer_required
def search(request):
    q = request.GET.get("q", "").strip()
    isbn = request.GET.get("isbn", "").strip()
    records = cataloguing.search(q, isbn=isbn).select_related("master_library") if (q or isbn) else None
    page = Paginator(records, 25).get_page(request.GET.get("page")) if records is not None else None
    return render(request, "union/web/search.html", {"q": q, "isbn": isbn, "page": page})


@require_GET
@viewer_required
@user_errors
def record(request, urid):
    union_record = cataloguing.get_record(urid)
    members = explanations.explain_members(union_record)
    lock = EditLock.objects.filter(union_record=union_record, expires_at__gt=timezone.now()).select_related(
        "user").first()
    context = {
        "record": union_record, "members": members, "holdings": [m.holding for m in members],
        "versions": union_record.versions.select_related("changed_by", "library").order_by("-version")[:50],
        "proposals": union_record.proposals.select_related("proposed_by", "library").order_by("-id")[:50],
        "can_decide": cataloguing.can_decide(request.user, union_record),
        "is_coordinator": may_coordinate(request.user, union_record),
        "my_libraries": _cataloguer_libraries(request.user),
        "lock": lock,
        "editable": cataloguing.EDITABLE_FIELDS,
    }
    return render(request, "union/web/record.html", context)


@require_POST
@viewer_required
@user_errors
def record_action(request, urid, action):
    union_record = cataloguing.get_record(urid)
    user, post = request.user, request.POST
    # Permission first: who may not act is refused before the form is read.
    if action in ("copy", "lock", "propose"):
        cataloguing.require_some_cataloguer(user)
    elif action in ("accept", "reject", "restore") and not cataloguing.can_decide(user, union_record):
        raise PermissionDenied(_("Only the master record's library or a coordinator may decide (consortium policy)."))
    if action == "copy":
        library = member_library(post.get("library", ""))
        instance_id = cataloguing.copy_to_library(union_record, library, user)
        messages.success(request, _("Copied into %(library)s as instance %(id)s.") % {"library": library,
                                                                                       "id": instance_id})
    elif action == "lock":
        library = member_library(post.get("library", ""))
        cataloguing.require_cataloguer(user, library)
        cataloguing.acquire_lock(union_record, user, library)
        messages.success(request, _("The record is locked for your edits."))
    elif action == "unlock":
        cataloguing.release_lock(union_record, user)
        messages.success(request, _("The lock is released."))
    elif action == "propose":
        library = member_library(post.get("library", ""))
        values = {}
        for name in cataloguing.EDITABLE_FIELDS:
            if name in post and name not in ("authors",):
                values[name] = post.get(name)
        changed = {k: v for k, v in values.items() if str(v).strip() != str(_display(getattr(union_record, k)))}
        cataloguing.propose(union_record, user, library, changed, post.get("comment", ""))
        messages.success(request, _("Your proposal is waiting for a decision."))
    elif action in ("accept", "reject"):
        proposal = get_object_or_404(Proposal, pk=_number(post.get("proposal"), 404), union_record=union_record)
        if action == "accept":
            cataloguing.accept(proposal, user, post.get("note", ""))
            messages.success(request, _("The proposal is accepted."))
        else:
            cataloguing.reject(proposal, user, post.get("note", ""))
            messages.success(request, _("The proposal is rejected."))
    elif action == "restore":
        cataloguing.restore(union_record, _number(post.get("version")), user)
        messages.success(request, _("The version is restored."))
    elif action in ("pin", "split", "merge", "unpin"):
        require_coordinator(user, union_record)
        if action == "pin":
            clusters.pin_master(union_record, _member(post.get("member")), user)
            messages.success(request, _("The master record is pinned."))
        elif action == "unpin":
            clusters.unpin_master(union_record, user)
        elif action == "split":
            refs = [_member(m) for m in post.getlist("member")]
            new = clusters.split(union_record, refs, user, post.get("note", ""))
            messages.success(request, _("Split off as %(urid)s.") % {"urid": new.urid})
        else:
            other = cataloguing.get_record(post.get("other", "").strip())
            require_coordinator(user, other)  # a merge changes both records
            clusters.merge(union_record, other, user, post.get("note", ""))
            messages.success(request, _("The union records are merged."))
    else:
        raise UserError(_("Unknown action."))
    return redirect("union-record", urid=urid)


def _number(value, missing_status: int = 400) -> int:
    """A whole number from the form; anything else is the sender's mistake (or, for ids, nothing found)."""
    if value is None or not str(value).strip().isdigit():
        if missing_status == 404:
            raise Http404
        raise UserError(_("Give a number."), code="bad_number")
    return int(value)


def _member(value) -> tuple[int, int]:
    """A member record as the page sends it, "<library id>:<instance id>"."""
    library_id, _sep, instance_id = str(value or "").partition(":")
    if not (library_id.isdigit() and instance_id.isdigit()):
        raise UserError(_("Choose member records of this union record."), code="bad_members")
    return int(library_id), int(instance_id)


def _display(value):
    if isinstance(value, list):
        return "; ".join(str(v) for v in value)
    return "" if value is None else value


@require_GET
@viewer_required
@user_errors
def compare_versions(request, urid):
    union_record = cataloguing.get_record(urid)
    try:
        a, b = int(request.GET.get("a", "")), int(request.GET.get("b", ""))
    except ValueError:
        raise UserError(_("Give two version numbers as a and b.")) from None
    changes = cataloguing.compare_versions(union_record, a, b)
    return render(request, "union/web/compare.html", {"record": union_record, "a": a, "b": b, "changes": changes,
                                                      "can_decide": cataloguing.can_decide(request.user, union_record)})


@require_http_methods(["GET", "POST"])
@login_required
@refusals_forbidden
def review_queue(request):
    reviews = reviews_for(request.user)
    if request.method == "POST":
        review = get_object_or_404(MatchReview, pk=_number(request.POST.get("review"), 404))
        action = request.POST.get("action", "")
        require_review_coordinator(request.user, review, action)
        try:
            clusters.resolve_review(review, action, request.user)
            messages.success(request, _("The review is resolved."))
        except UserError as exc:
            messages.error(request, exc.message)
        return redirect("union-reviews")
    page = Paginator(reviews, 50).get_page(request.GET.get("page"))
    return render(request, "union/web/reviews.html", {"page": page})


@require_GET
@login_required
def quality_report(request):
    libraries = quality_libraries(request.user)  # a reader's own library is not enough
    if not libraries.exists():
        raise DjangoPermissionDenied
    return render(request, "union/web/quality.html", {"rows": quality.consortium_quality(libraries)})


@require_GET
@viewer_required
def export_records(request):
    if not request.GET:
        return render(request, "union/web/export.html", {})
    try:
        selection = select_for_export(request.GET)
    except UserError as exc:
        return render(request, "union/web/export.html", {"error": exc.message, "asked": request.GET}, status=400)
    response = StreamingHttpResponse(selection.chunks(), content_type=selection.content_type)
    response["Content-Disposition"] = f'attachment; filename="{selection.filename}"'
    return response
