"""Who may use the ILL API (the access rules are tests/ill/access/requests.py).

The library-scoped routes live under /api/v1/ill/libraries/<code>/, which the routing middleware
does not switch: ``LibraryScopedView`` finds the library and sets ``request.library`` (ILL is in
the public schema; a reader's row is read in their library's schema only where needed).

* Reading the queues, a request or supply, the settings and the figures: the library's ILL staff
  and administrator, and the coordinators of its region: nothing they read names a reader (the
  reader's card and name are shown to the library's own staff only).
* Acting (placing, approving, answering, shipping ...): the library's ILL staff or administrator
  by a membership of the library itself; never a coordinator.
* Printing pull slips (a GET that moves supplies on) is acting, too.
* The settings are changed by the library's own administrator.
* ``my/...``: a signed-in reader (a reader membership of some library), for their own requests.
"""

from __future__ import annotations

from rest_framework.permissions import SAFE_METHODS, BasePermission

from tenants.models import READER_ROLES, Membership, Role
from tenants.services import access


class IllStaff(BasePermission):
    """Reading: the library's ILL staff (coordinators of its region too); changing: ``acting_role``
    held by a membership of the library itself."""

    acting_role = Role.ILL_STAFF

    def has_permission(self, request, view) -> bool:
        library = getattr(request, "library", None)
        if library is None or not request.user.is_authenticated:
            return False
        if request.method in SAFE_METHODS:
            return access.has_role(request.user, library, Role.ILL_STAFF)
        return access.has_own_role(request.user, library, self.acting_role)


class IllOwnStaff(BasePermission):
    """The library's own ILL staff or administrator, whatever the method (a GET that changes state)."""

    def has_permission(self, request, view) -> bool:
        library = getattr(request, "library", None)
        return bool(library is not None and request.user.is_authenticated
                    and access.has_own_role(request.user, library, Role.ILL_STAFF))


class IllSettingsPermission(IllStaff):
    """The ILL settings: read like the queues, changed by the library's own administrator."""

    acting_role = Role.LIBRARY_ADMIN


class IsReader(BasePermission):
    """A reader (student or teacher) of some member library."""

    def has_permission(self, request, view) -> bool:
        user = request.user
        return bool(user and user.is_authenticated
                    and Membership.objects.filter(user=user, role__in=READER_ROLES, library__isnull=False).exists())


def sees_readers(user, library) -> bool:
    """The library's own ILL staff and administrator see which reader a request is for."""
    return access.has_own_role(user, library, Role.ILL_STAFF)
