"""``POST /iso18626``: the ISO 18626 endpoint other ILL systems (peers) post their messages to.

Plain Django, XML in and out (``application/xml``). A peer is known by the agency id its message
claims and must prove it with its own secret (``Authorization: Bearer``) and, when its allow-list
is set, its address; no user signs in here. What each answer means is listed in
``ill.services.peers`` (200 with a Confirmation OK or ERROR, 400 for a body that is not a message,
401/403 for a sender that does not authenticate, 413 too large, 503 a failure of ours); the
handler is wrapped whole, so a peer never sees a 500.
"""

from __future__ import annotations

import logging

from django.http import HttpResponse, HttpResponseNotAllowed
from django.views.decorators.csrf import csrf_exempt

from ill.iso18626 import MAX_MESSAGE_BYTES, MessageError, render_confirmation_for_error
from ill.iso18626.codes import ErrorType
from ill.services import peers

log = logging.getLogger(__name__)

CONTENT_TYPE = "application/xml; charset=utf-8"


def _xml(body: bytes, status: int, headers: dict | None = None) -> HttpResponse:
    response = HttpResponse(body, status=status, content_type=CONTENT_TYPE)
    for name, value in (headers or {}).items():
        response[name] = value
    return response


def _error(status: int, error_type: ErrorType, value: str, headers: dict | None = None) -> HttpResponse:
    try:
        body = render_confirmation_for_error(MessageError(error_type, value))
    except Exception:  # noqa: BLE001 - the last resort must not fail
        body = b""
    return _xml(body, status, headers)


@csrf_exempt
def iso18626(request):
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    try:
        return _handle(request)
    except Exception:  # noqa: BLE001 - a peer gets a Confirmation, never a 500
        log.exception("ISO 18626 endpoint failed")
        return _error(503, ErrorType.UNRECOGNISED_DATA_VALUE, "temporary failure at the receiving system; "
                      "send the message again later", {"Retry-After": "120"})


def _handle(request) -> HttpResponse:
    too_large = _error(413, ErrorType.BADLY_FORMED_MESSAGE, f"message larger than {MAX_MESSAGE_BYTES} bytes")
    try:
        declared = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        declared = 0
    if declared > MAX_MESSAGE_BYTES:
        return too_large
    data = request.read(MAX_MESSAGE_BYTES + 1)
    if len(data) > MAX_MESSAGE_BYTES:
        return too_large
    answer = peers.receive(data, authorization=request.META.get("HTTP_AUTHORIZATION", ""),
                           address=request.META.get("REMOTE_ADDR", ""))
    return _xml(answer.body, answer.status, answer.headers)
