"""DRF permissions for library-scoped endpoints (request.library is set by the routing middleware)."""

from __future__ import annotations

from rest_framework.permissions import BasePermission

from tenants.models import Role
from tenants.services import access


class LibraryRolePermission(BasePermission):
    """Allows users holding one of ``roles`` in the library named by the URL.

    ``safe_roles`` may additionally read (GET/HEAD/OPTIONS).
    """

    roles: tuple[str, ...] = ()
    safe_roles: tuple[str, ...] = ()

    @staticmethod
    def holds(user, library, *wanted: str) -> bool:
        return access.has_role(user, library, *wanted)

    def has_permission(self, request, view) -> bool:
        library = getattr(request, "library", None)
        if library is None or not request.user.is_authenticated:
            return False
        wanted = self.roles
        if request.method in ("GET", "HEAD", "OPTIONS"):
            wanted = wanted + self.safe_roles
        return self.holds(request.user, library, *wanted)


class OwnLibraryRolePermission(LibraryRolePermission):
    """Like ``LibraryRolePermission``, held only by the library's own people (readers' data)."""

    @staticmethod
    def holds(user, library, *wanted: str) -> bool:
        return access.has_own_role(user, library, *wanted)


def library_roles(*roles: str, read: tuple[str, ...] = (), own: bool = False) -> type[LibraryRolePermission]:
    """A permission class for the given roles (and extra read-only roles); ``own``: held by a
    membership of the library itself, never through a region."""
    base = OwnLibraryRolePermission if own else LibraryRolePermission
    return type(("OwnLibraryRole_" if own else "LibraryRole_") + "_".join(roles), (base,),
                {"roles": tuple(roles), "safe_roles": tuple(read)})


def own_library_roles(*roles: str, read: tuple[str, ...] = ()) -> type[LibraryRolePermission]:
    """A permission class for the given roles held directly in the library (never by a region)."""
    return library_roles(*roles, read=read, own=True)


IsLibraryStaff = library_roles(Role.LIBRARY_ADMIN, Role.CATALOGUER, Role.CIRCULATION, Role.ILL_STAFF)
IsLibraryAdmin = library_roles(Role.LIBRARY_ADMIN)
IsCataloguer = library_roles(Role.CATALOGUER, read=(Role.CIRCULATION, Role.ILL_STAFF))


class IsCoordinator(BasePermission):
    def has_permission(self, request, view) -> bool:
        return access.is_coordinator(request.user)
