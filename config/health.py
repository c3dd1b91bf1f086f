"""``/healthz``: is each service this instance depends on reachable?"""

from __future__ import annotations

from django.conf import settings
from django.db import connection
from django.http import JsonResponse


def check_database() -> dict:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        return {"ok": True}
    except Exception as exc:  # noqa: BLE001 - reported, not raised
        return {"ok": False, "error": str(exc)[:200]}


def check_broker() -> dict:
    if settings.CELERY_TASK_ALWAYS_EAGER:
        return {"ok": True, "mode": "in-process"}
    from kombu import Connection

    try:
        with Connection(settings.CELERY_BROKER_URL, connect_timeout=2) as conn:
            conn.ensure_connection(max_retries=1, timeout=2)
        return {"ok": True, "mode": "broker"}
    except Exception as exc:  # noqa: BLE001
        return {"ok": False, "mode": "broker", "error": str(exc)[:200]}


def check_search() -> dict:
    from search.backends import get_backend

    try:
        return {"backend": settings.SEARCH_BACKEND, **get_backend().status()}
    except Exception as exc:  # noqa: BLE001
        return {"ok": False, "backend": settings.SEARCH_BACKEND, "error": str(exc)[:200]}


def check_outboxes() -> dict:
    """Pending and dead-lettered rows of each outbox.

    Dead letters are reported, not failed on: they are data for staff to fix (then
    ``manage.py requeue_outbox``), and taking the instance out of service would not help.
    """
    from union.services.outboxes import outbox_counts

    try:
        return {"ok": True, **outbox_counts()}
    except Exception as exc:  # noqa: BLE001 - reported, not raised
        return {"ok": False, "error": str(exc)[:200]}


def healthz(request):
    checks = {
        "database": check_database(),
        "broker": check_broker(),
        "search": check_search(),
        "outboxes": check_outboxes(),
    }
    ok = all(c.get("ok") for c in checks.values())
    return JsonResponse({"ok": ok, **checks}, status=200 if ok else 503)
