"""SRU diagnostics (info:srw/diagnostic/1/N): raised anywhere in a request, answered in XML."""

from __future__ import annotations

# The standard messages of the diagnostics we emit.
MESSAGES = {
    1: "General system error",
    4: "Unsupported operation",
    5: "Unsupported version",
    6: "Unsupported parameter value",
    7: "Mandatory parameter not supplied",
    8: "Unsupported parameter",
    10: "Query syntax error",
    15: "Unsupported context set",
    16: "Unsupported index",
    19: "Unsupported relation",
    20: "Unsupported relation modifier",
    27: "Empty term unsupported",
    28: "Masking character not supported",
    36: "Term in invalid format for index or relation",
    37: "Unsupported boolean operator",
    46: "Unsupported boolean modifier",
    48: "Query feature unsupported",
    61: "First record position out of range",
    64: "Record temporarily unavailable",
    66: "Unknown schema for retrieval",
    67: "Record not available in this schema",
    71: "Unsupported record packing",
    80: "Sort not supported",
}


class Diagnostic(Exception):
    def __init__(self, code: int, details: str = "", message: str = ""):
        self.code = code
        self.details = details
        self.message = message or MESSAGES.get(code, "")
        super().__init__(f"{code} {self.message}: {details}")

    @property
    def uri(self) -> str:
        return f"info:srw/diagnostic/1/{self.code}"
