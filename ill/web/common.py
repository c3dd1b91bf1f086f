"""What every ILL page needs: who the user is here (ILL staff of a library, a reader of one), ages.

ILL lives in the public schema; a library's pages are ``/ill/lib/<code>/...`` and look the library
up themselves. Staff pages are for the library's own ILL staff and its administrator (by a
membership of the library itself: coordinators never see a library's requests, which name its
readers). A reader is a signed-in account with a reader membership and a card in that library's
own schema.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.db import connection
from django.http import Http404
from django.utils import timezone
from django_tenants.utils import tenant_context

from ill.models import IllPolicy
from tenants.models import READER_ROLES, Library, Membership, Role
from tenants.services import access


def library_or_404(code: str) -> Library:
    library = Library.objects.filter(code=code).first()
    if library is None:
        raise Http404
    return library


def staff_library(request, code: str) -> Library:
    """The library of the URL, if the user is its ILL staff or administrator (else 403)."""
    library = library_or_404(code)
    if not is_ill_staff(request.user, library):
        raise PermissionDenied
    return library


def admin_library(request, code: str) -> Library:
    library = library_or_404(code)
    if Role.LIBRARY_ADMIN not in access.own_roles_in(request.user, library):
        raise PermissionDenied
    return library


def is_ill_staff(user, library: Library) -> bool:
    return access.has_own_role(user, library, Role.ILL_STAFF)


def is_library_admin(user, library: Library) -> bool:
    return Role.LIBRARY_ADMIN in access.own_roles_in(user, library)


def ill_staff_libraries(user) -> list[Library]:
    """Libraries where ``user`` is ILL staff or administrator by a membership of its own."""
    if not user.is_authenticated:
        return []
    ids = Membership.objects.filter(user=user, library__isnull=False,
                                    role__in=(Role.ILL_STAFF, Role.LIBRARY_ADMIN)).values_list("library_id", flat=True)
    return list(Library.objects.filter(pk__in=list(ids)).order_by("code"))


def reader_libraries(user) -> list[Library]:
    if not user.is_authenticated:
        return []
    ids = Membership.objects.filter(user=user, library__isnull=False,
                                    role__in=READER_ROLES).values_list("library_id", flat=True)
    return list(Library.objects.filter(pk__in=list(ids)).order_by("code"))


@dataclass
class ReaderHere:
    """A signed-in reader: their library and their card (read in that library's schema)."""

    library: Library
    reader: object  # circulation.models.Reader


def signed_in_reader(request) -> ReaderHere | None:
    """The user's reader card, or None when they have a reader membership but no card.

    Raises PermissionDenied for a user who is a reader nowhere.
    """
    from circulation.models import Reader

    libraries = reader_libraries(request.user)
    if not libraries:
        raise PermissionDenied
    try:
        for library in libraries:
            with tenant_context(library):
                reader = Reader.objects.filter(user_id=request.user.pk).first()
            if reader is not None:
                return ReaderHere(library, reader)
    finally:
        connection.set_schema_to_public()
    return None


def reader_by_card(library: Library, card: str):
    from circulation.models import Reader

    card = (card or "").strip()
    if not card:
        return None
    try:
        with tenant_context(library):
            return Reader.objects.filter(card_number=card).first()
    finally:
        connection.set_schema_to_public()


def reader_names(library: Library, reader_ids) -> dict[int, str]:
    """{reader id: name} for the borrowing library's own staff (never shown to a lender)."""
    from circulation.models import Reader

    ids = {i for i in reader_ids if i}
    if not ids:
        return {}
    try:
        with tenant_context(library):
            return dict(Reader.objects.filter(pk__in=ids).values_list("pk", "name"))
    finally:
        connection.set_schema_to_public()


def age_days(since) -> int:
    return max((timezone.now() - since).days, 0) if since else 0


def stuck_days() -> int:
    return IllPolicy.current().stuck_days


def readable_history(rows, workflow):
    """Audit rows with their action and states in words (``action_label``, ``from_label``, ``to_label``).

    Steps that keep the state (a renewal asked, a lender's note) are not in the table; their code stays.
    """
    rows = list(rows)
    for row in rows:
        try:
            row.action_label = workflow.action(row.action).label
        except ValueError:
            row.action_label = row.action
        row.from_label = workflow.label(row.from_state)
        row.to_label = workflow.label(row.to_state)
    return rows
