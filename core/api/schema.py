"""The OpenAPI schema documents the errors every operation can answer, not only its success.

Errors share one shape, ``{"detail": ..., "code": ...}`` (see ``core.api.errors``), except a 400
from input validation, which names each faulty field with its messages. Each operation gets the
error answers that can really reach it: 401 and 403 unless anyone may call it, 404 when its path
names something, 400 when it takes input, 409 and 415 when it changes something.
"""

from __future__ import annotations

from drf_spectacular.openapi import AutoSchema as SpectacularAutoSchema
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse
from rest_framework import serializers
from rest_framework.permissions import AllowAny


class ErrorSerializer(serializers.Serializer):
    detail = serializers.CharField(help_text="a message for people, in the request's language")
    code = serializers.CharField(required=False, help_text="a stable code for programs, e.g. not_found")


# A 400 is either an error as above or, from input validation, field name -> list of messages.
VALIDATION_ERROR = OpenApiResponse(
    OpenApiTypes.OBJECT, description="Invalid input: {detail, code}, or each faulty field with its messages."
)
ERRORS = {
    "401": OpenApiResponse(ErrorSerializer, description="Not signed in (send Authorization: Token ...)."),
    "403": OpenApiResponse(ErrorSerializer, description="Signed in, but not allowed to do this."),
    "404": OpenApiResponse(ErrorSerializer, description="No such object, or no member library with that code."),
    "409": OpenApiResponse(ErrorSerializer, description="Conflicts with the current state (lock, duplicate...)."),
    "415": OpenApiResponse(ErrorSerializer, description="The request body's media type is not accepted."),
}


class AutoSchema(SpectacularAutoSchema):
    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction=direction)
        if direction != "response":
            return responses
        changes = self.method not in ("GET", "HEAD", "OPTIONS")
        wanted = []
        if self._takes_input():
            wanted.append("400")
        if not all(isinstance(p, AllowAny) for p in self.view.get_permissions()):
            wanted += ["401", "403"]
        if "{" in self.path:
            wanted.append("404")
        if changes:
            wanted += ["409", "415"] if self.method != "DELETE" else ["409"]
        for code in wanted:
            if code not in responses:
                response = VALIDATION_ERROR if code == "400" else ERRORS[code]
                responses[code] = self._get_response_for_code(response, code, direction=direction)
        return responses

    def _takes_input(self) -> bool:
        if self.method not in ("GET", "HEAD", "OPTIONS", "DELETE"):
            return True
        return bool(self._get_parameters())
