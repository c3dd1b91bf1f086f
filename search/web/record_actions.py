"""Actions a higher layer offers on an OPAC record page (e.g. "request through interlibrary loan").

The web catalogue knows nothing of what sits above it. A higher app registers a provider in its
``AppConfig.ready()``: a callable ``(request, union_record) -> list[(label, url)]`` that answers
with the actions this user may take on this record (an empty list when none). The record page
shows every action as a link. A provider that fails is logged and left out: an extra button must
never break the catalogue.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

logger = logging.getLogger(__name__)

Provider = Callable[[object, object], list[tuple[str, str]]]

_providers: list[Provider] = []


@dataclass(frozen=True)
class RecordAction:
    label: str
    url: str


def register(provider: Provider) -> Provider:
    """Add ``provider`` (once; usable as a decorator)."""
    if provider not in _providers:
        _providers.append(provider)
    return provider


def unregister(provider: Provider) -> None:
    if provider in _providers:
        _providers.remove(provider)


def actions_for(request, record) -> list[RecordAction]:
    """Every registered provider's actions for ``record``, in the order the providers registered."""
    actions: list[RecordAction] = []
    for provider in list(_providers):
        try:
            offered = provider(request, record) or []
        except Exception:
            logger.exception("record action provider %r failed", provider)
            continue
        actions.extend(RecordAction(str(label), url) for label, url in offered)
    return actions
