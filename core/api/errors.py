"""API errors are JSON with a message: app errors become 4xx, anything unexpected a JSON 500."""

from __future__ import annotations

import logging

from django.core.exceptions import SuspiciousOperation
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
    if isinstance(exc, SuspiciousOperation):
        # Too many fields, a body too big, a malformed multipart: the request is at fault.
        return Response({"detail": _("The request could not be read: %(why)s") % {"why": exc},
                         "code": "bad_request"}, status=status.HTTP_400_BAD_REQUEST)
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


def is_api_request(request) -> bool:
    return request.path_info.startswith("/api/")


def json_404(request, exception=None):
    return JsonResponse({"detail": _("Not found."), "code": "not_found"}, status=404)


def page_not_found(request, exception=None):
    """handler404: JSON for API paths, the normal page elsewhere."""
    if is_api_request(request):
        return json_404(request, exception)
    from django.views.defaults import page_not_found as html_page_not_found

    return html_page_not_found(request, exception)


class JsonNotFoundMiddleware:
    """A 404 under /api/ is JSON also with DEBUG on, whose 404 page bypasses handler404.

    The API's own 404s (DRF responses, which may be the browsable API's pages) are left alone;
    what is replaced is Django's page for a path that matches nothing.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if (
            response.status_code == 404
            and is_api_request(request)
            and not isinstance(response, (Response, JsonResponse))
        ):
            return json_404(request)
        return response


def server_error(request, *args, **kwargs):
    """handler500: JSON for API paths, a plain page elsewhere (never Django's debug page)."""
    if is_api_request(request):
        return JsonResponse({"detail": _("Internal error; it has been logged."), "code": "server_error"}, status=500)
    from django.views.defaults import server_error as html_server_error

    return html_server_error(request)
