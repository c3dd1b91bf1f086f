from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import render

from tenants.models import Library, Role
from tenants.services import access


def home(request):
    libraries = Library.objects.filter(is_active=True).select_related("region").order_by("region__code", "code")
    return render(request, "home.html", {"libraries": libraries})


@login_required
def library_home(request, code):
    if not access.is_member_of(request.user, request.library):
        raise PermissionDenied
    from circulation.models import Stocktake
    from tenants.catalogue.models import Instance

    library = request.library
    own = access.has_own_role
    return render(
        request,
        "library_home.html",
        {"library": library, "instance_count": Instance.objects.filter(deleted=False).count(),
         "roles": sorted(access.roles_in(request.user, library)),
         "can_catalogue": access.has_role(request.user, library, Role.CATALOGUER),
         # Circulation is for the library's own people only (never coordinators: readers' data).
         "at_desk": own(request.user, library, Role.DESK_HELPER),
         "circulates": own(request.user, library, Role.CIRCULATION),
         "administers": own(request.user, library, Role.LIBRARY_ADMIN),
         # Interlibrary loan: the library's own ILL clerks and administrator.
         "lends_and_borrows": own(request.user, library, Role.ILL_STAFF),
         "open_stocktakes": Stocktake.objects.filter(status=Stocktake.Status.OPEN).order_by("-started_at")[:3],
         "reads": bool(access.own_roles_in(request.user, library) & {Role.STUDENT, Role.TEACHER})},
    )
