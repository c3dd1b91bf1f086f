"""Celery tasks of circulation: thin wrappers that enter each library's schema and call a service."""

from __future__ import annotations

import logging

from celery import shared_task
from django.db import transaction
from django_tenants.utils import get_public_schema_name, tenant_context

logger = logging.getLogger(__name__)


def send_overdue_reminders_everywhere(today=None) -> dict[str, dict]:
    """Send the due overdue reminders of every active member library, one library at a time.

    Each library runs in its own schema and savepoint; one that fails is logged and skipped, the
    others still get their reminders. Returns each library's report (or ``{"error": ...}``).
    """
    from circulation.services.overdues import send_reminders
    from tenants.models import Library

    reports: dict[str, dict] = {}
    libraries = Library.objects.filter(is_active=True).exclude(schema_name=get_public_schema_name()).order_by("code")
    for library in libraries:
        try:
            with tenant_context(library), transaction.atomic():
                reports[library.code] = send_reminders(today, library_name=library.name).as_dict()
        except Exception as exc:
            logger.exception("overdue reminders of library %s failed", library.code)
            reports[library.code] = {"error": type(exc).__name__}
    return reports


@shared_task(name="circulation.tasks.send_overdue_reminders", ignore_result=True)
def send_overdue_reminders() -> dict[str, dict]:
    """The daily run (Celery beat): class teachers get their classes' overdue lists."""
    return send_overdue_reminders_everywhere()
