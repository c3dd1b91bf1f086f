"""API errors are JSON with a message: app errors become 4xx, anything unexpected a JSON 500."""

from __future__ import annotations

import logging

from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import JsonResponse
from django.utils.translation import gettext as _
from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from core.exceptions import UserError

log = logging.getLogger(__name__)


def exception_handler(exc, context):
    if isinstance(exc, UserError):
        return Response({"detail": exc.message, "code": exc.code}, status=exc.status_code)
    if isinstance(exc, DjangoValidationError):
        messages = exc.message_dict if hasattr(exc, "error_dict") else {"detail": exc.messages}
        return Response(messages, status=status.HTTP_400_BAD_REQUEST)
    response = drf_exception_handler(exc, context)
    if response is None:
        log.exception("unhandled API error", exc_info=exc)
        return Response(
            {"detail": _("Internal error; it has been logged."), "code": "server_error"},
            status=status.HTTP_500_INTERNAL_SERVER_ERROR,
        )
    return response


def json_404(request, exception=None):
    return JsonResponse({"detail": _("Not found."), "code": "not_found"}, status=404)


def server_error(request, *args, **kwargs):
    """handler500: JSON for API paths, a plain page elsewhere (never Django's debug page)."""
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": _("Internal error; it has been logged."), "code": "server_error"}, status=500)
    from django.views.defaults import server_error as html_server_error

    return html_server_error(request)
