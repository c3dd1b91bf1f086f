"""ISO 18626 (interlibrary loan transactions) messages: code lists, message classes, XML for
the 2017 (v1.2) and 2021 (2021-2) schemas, and schema validation. Pure: no models, no database.

    from ill.iso18626 import parse, render, validate, MessageError
"""

from ill.iso18626.schema import validate
from ill.iso18626.xml import (
    MAX_MESSAGE_BYTES,
    MessageError,
    Parsed,
    PartialHeader,
    confirmation_for,
    error_confirmation,
    parse,
    render,
    render_confirmation_for_error,
)

__all__ = [
    "MAX_MESSAGE_BYTES",
    "MessageError",
    "Parsed",
    "PartialHeader",
    "confirmation_for",
    "error_confirmation",
    "parse",
    "render",
    "render_confirmation_for_error",
    "validate",
]
