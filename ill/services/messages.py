"""Our requests and supplies as ISO 18626 messages (``ill.iso18626``), and back.

``render_text(kind, **parts)`` gives the XML of one message we send (kept in ``IllMessage`` and, to
a peer, posted); the parts are the models the message is built from:
- ``Request``: ``request`` and ``lender`` (a member) or ``peer``;
- ``SupplyingAgencyMessage``: ``supply`` and ``news`` (``exchange.SupplierNews``);
- ``RequestingAgencyMessage``: ``request``, ``action``, ``note`` and optionally ``peer``.
"""

from __future__ import annotations


def render_text(kind: str, **parts) -> str:
    """The XML text of the message (filled in with the ISO 18626 codec)."""
    return ""
