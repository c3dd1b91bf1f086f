from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import render

from tenants.models import Library
from tenants.services import access


def home(request):
    libraries = Library.objects.filter(is_active=True).select_related("region").order_by("region__code", "code")
    return render(request, "home.html", {"libraries": libraries})


@login_required
def library_home(request, code):
    if not access.is_member_of(request.user, request.library):
        raise PermissionDenied
    from tenants.catalogue.models import Instance

    return render(
        request,
        "library_home.html",
        {"library": request.library, "instance_count": Instance.objects.filter(deleted=False).count(),
         "roles": sorted(access.roles_in(request.user, request.library)),
         "can_catalogue": access.has_role(request.user, request.library, "cataloguer")},
    )
