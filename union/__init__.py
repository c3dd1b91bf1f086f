"""The Django project (settings, URLs, the Celery app) and the consortium's union catalogue:
union records clustering every member's instances, master records, shared cataloguing and
dashboards. Lives in the public schema."""

from union.celery import app as celery_app

__all__ = ["celery_app"]
