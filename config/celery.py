"""The Celery app. Tasks carry the schema they were queued in (tenant-schemas-celery).

With no CELERY_BROKER_URL, tasks run in-process (eager), which is what a new user and the
embedded demo get.
"""

from __future__ import annotations

import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

from tenant_schemas_celery.app import CeleryApp  # noqa: E402


class UnionCeleryApp(CeleryApp):
    pass


app = UnionCeleryApp("unioncat")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
