"""The "request through interlibrary loan" action on the OPAC record page.

Registered with the catalogue's record-action registry in ``IllConfig.ready()``: a signed-in
reader of a member library gets the request form; ILL staff (and library administrators) get a
form per library to place a request for one of their readers.
"""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext as _

from ill.web.common import ill_staff_libraries, reader_libraries


def record_actions(request, record) -> list[tuple[str, str]]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or record.deleted:
        return []
    actions = []
    if reader_libraries(user):
        actions.append((_("Request through interlibrary loan"), reverse("ill-request-form", args=[record.urid])))
    for library in ill_staff_libraries(user):
        actions.append((_("Request for a reader of %(library)s") % {"library": library.name},
                        reverse("ill-staff-request-form", args=[library.code, record.urid])))
    return actions
