"""Routes each request to a member library's schema.

One host serves every member: ``/lib/<code>/...`` (web pages) and ``/api/v1/libraries/<code>/...``
(the API) select the library by its code. A member may also have its own host name (a Domain
row); a request to that host with no library in the path is routed to that library. Everything
else runs in the public schema. The schema is always reset to public when the request ends, so
no later request on the same connection inherits it.
"""

from __future__ import annotations

import re

from django.db import connection
from django.http import Http404, JsonResponse
from django.utils.translation import gettext as _

from tenants.models import Domain, Library

_PATH_RE = re.compile(r"^/(?:lib|api/v1/libraries)/(?P<code>[^/]+)/")


def library_from_request(request) -> Library | None:
    match = _PATH_RE.match(request.path_info)
    if match:
        code = match.group("code")
        library = Library.objects.filter(code=code, is_active=True).first()
        if library is None:
            raise Http404(_("No member library has the code %(code)s.") % {"code": code})
        return library
    host = request.get_host().split(":")[0].lower()
    domain = Domain.objects.select_related("tenant").filter(domain=host).first()
    return domain.tenant if domain else None


class LibraryRoutingMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        connection.set_schema_to_public()
        try:
            library = library_from_request(request)
        except Http404 as exc:
            if request.path_info.startswith("/api/"):
                return JsonResponse({"detail": str(exc)}, status=404)
            raise
        request.library = library
        request.tenant = library
        if library is not None:
            connection.set_tenant(library)
        try:
            return self.get_response(request)
        finally:
            connection.set_schema_to_public()
